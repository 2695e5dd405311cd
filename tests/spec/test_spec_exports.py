import gonogo.spec as spec


def test_exported_names_exist():
    assert len(set(spec.__all__)) == len(spec.__all__)
    for name in spec.__all__:
        assert getattr(spec, name) is not None, name
    for name in (
        "PRD",
        "LoadedPRD",
        "load_prd",
        "check_prd",
        "CheckReport",
        "prd_json_schema",
        "render_markdown",
        "render_html",
        "init_project",
        "ScorerSpec",
    ):
        assert name in spec.__all__


def test_importing_spec_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, gonogo.spec; heavy = {'numpy', 'scipy', 'onnxruntime', 'jinja2', "
        "'rich', 'aiohttp', 'gonogo.scorers', 'gonogo.data'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
