"""Every package's public API is what its __all__ says, and every name resolves."""

import importlib

import pytest

PACKAGES = [
    "gonogo.data",
    "gonogo.embeddings",
    "gonogo.models",
    "gonogo.scorers",
    "gonogo.run",
    "gonogo.spec",
    "gonogo.stats",
    "gonogo.results",
    "gonogo.report",
    "gonogo.store",
    "gonogo.compare",
    "gonogo.store.gateway",
    "gonogo.testing",
    "gonogo.errors",
    "gonogo.gateway",
    "gonogo.redteam",
    "gonogo.lab",
    "gonogo.text",
    "gonogo.ui",
]

# names code outside the package relies on (the rollback drill's building blocks; names
# kept where they were when their home moved: TargetOutput, the embedder, verdict labels)
REQUIRED = {
    "gonogo.run": ["Target", "TargetOutput"],
    "gonogo.data": ["Case", "TargetOutput"],
    "gonogo.scorers": ["Embedder", "get_embedder"],
    "gonogo.embeddings": ["Embedder", "get_embedder"],
    "gonogo.compare": ["VERDICT_LABELS"],
    "gonogo.testing": ["FakeOpenAIServer", "GatewayProcess", "UIProcess"],
    # the dashboard, and the run store either backend opens
    "gonogo.ui": ["UISettings", "create_app", "serve"],
    "gonogo.store": ["RunStore", "open_run_store"],
    # what the red-team framework builds on: the grader and BIPIA-style planting
    "gonogo.redteam": ["LABELS", "Grade", "grade_response", "grade_file", "plant_attack"],
    # the launch checklist reads the latest lab; plug-ins subclass Injection
    "gonogo.lab": ["Injection", "lab", "latest_lab", "validate_lab", "incident", "reveal"],
    "gonogo.gateway": [
        "AdminLabels",
        "DrillPhase",
        "DrillReport",
        "LabelControl",
        "Prober",
        "ReplicaTiming",
        "StoreLabels",
        "run_drill",
        "template_variables",
        "wait_for_version",
    ],
}


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_required_names_exported(name):
    module = importlib.import_module(name)
    missing = [attr for attr in REQUIRED[name] if attr not in module.__all__]
    assert not missing, f"{name}.__all__ lacks {missing}"


@pytest.mark.parametrize(
    "name, home",
    [("gonogo.run", "gonogo.data"), ("gonogo.scorers", "gonogo.embeddings"),
     ("gonogo.compare", "gonogo.stats")],
)  # fmt: skip
def test_moved_names_are_the_same_objects(name, home):
    module, source = importlib.import_module(name), importlib.import_module(home)
    shared = set(module.__all__) & set(source.__all__)
    assert shared, f"{name} re-exports nothing from {home}"
    for attr in shared:
        assert getattr(module, attr) is getattr(source, attr), f"{name}.{attr}"


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_resolve(name):
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported, f"{name} exports nothing"
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert getattr(module, attr) is not None, f"{name}.{attr}"


def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys; from gonogo.cli import _main; "
        "heavy = [m for m in ('numpy', 'scipy', 'onnxruntime', 'aiohttp', 'jinja2', 'pydantic') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
