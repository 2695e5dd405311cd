import gonogo.models
import gonogo.testing


def test_exported_members():
    for module in (gonogo.models, gonogo.testing):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
    assert {
        "ModelClient",
        "ClientStats",
        "ResponseCache",
        "build_client",
        "cost_of",
        "OpenAICompatibleProvider",
        "AnthropicProvider",
        "ScriptedProvider",
    } <= set(gonogo.models.__all__)


def test_cost_of():
    from gonogo.models import Usage, cost_of
    from gonogo.spec._prd import Price

    price = Price(input_per_1m=3.0, output_per_1m=15.0)
    assert cost_of(price, Usage(1_000_000, 0)) == 3.0
    assert cost_of(price, Usage(0, 0)) == 0.0  # a real zero: nothing was used
    assert cost_of(None, Usage(10, 10)) is None
    assert cost_of(price, None) is None
