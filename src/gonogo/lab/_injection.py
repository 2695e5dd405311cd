"""The injection plug-in: a small object that breaks one thing, seeded, at one layer.

An injection has a ``layer`` and overrides that layer's one method:

- ``retrieval``: :meth:`Injection.passages` — the passages the feature will read;
- ``prompt``: :meth:`Injection.model_spec` — the model spec (prompt, params, model);
- ``output``: :meth:`Injection.output` — what the feature answered;
- ``infra``: :meth:`Injection.fault` — a fault for this call (429, 5xx, timeout, …).

Each call gets a :class:`CallContext` with a ``random.Random`` seeded by the lab's seed,
the injection's position in its stack, the case and the sample index — so the same run
makes the same changes, and ``--resume`` continues with them. Every change is written to
``ctx.effects`` (what was changed, and for hallucinations what was planted), which the
lab stores with the sample. A user's own injection is a class or function named
``package.module:factory`` in the PRD, called with the reference's parameters.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..spec._lab import BUILTIN_INJECTIONS, LAYERS

if TYPE_CHECKING:
    from ..data import Case, TargetOutput
    from ..spec import ModelSpec


def seeded(key: str) -> random.Random:
    """A generator seeded by a hash of ``key``.

    Not ``random.Random(key)``: a text seed keeps the text's own bytes in the seed, and
    the first draws of Mersenne Twisters seeded with nearly equal texts are correlated
    (twelve keys differing only in a case id all drew above 0.5).
    """
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big"))


@dataclass
class Passage:
    """One retrieved passage as the injections see it: its text and, if known, its id."""

    text: str
    id: str | None = None
    source: Any = None  # the RAG app's Retrieved hit it came from, if any


@dataclass
class Fault:
    """An infrastructure fault for one call (what the upstream does instead of answering)."""

    kind: str  # outage | timeout | 429 | 5xx | latency | malformed
    status: int | None = None
    delay_s: float = 0.0
    retry_after: float | None = None
    detail: str = ""


@dataclass
class CallContext:
    """What an injection knows about the call it changes."""

    rng: random.Random
    case: Case
    sample: int
    question: str
    pool: Sequence[str] = ()  # names seen across the golden set's passages and answers
    pool_passages: Sequence[str] = ()  # passages seen across the golden set (near misses)
    search: Callable[[str, int], list[Passage]] | None = None  # the retriever, beyond k
    rank: Callable[[str, Sequence[str]], list[str]] | None = None  # most alike names first
    k: int = 5
    effects: list[dict[str, Any]] = field(default_factory=list)

    def note(self, injection: str, detail: str, **extra: Any) -> None:
        """Record one change (``planted=[…]`` for a planted hallucination)."""
        self.effects.append({"injection": injection, "detail": detail, **extra})


class Injection:
    """Base class of the injections; subclasses set ``name``, ``layer`` and one method."""

    name: ClassVar[str] = "injection"
    layer: ClassVar[str] = "output"

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.rate = float(params.get("rate", 1.0))

    def hits(self, ctx: CallContext) -> bool:
        """Whether this call is one of the ``rate`` share the injection hits (seeded)."""
        return self.rate >= 1.0 or ctx.rng.random() < self.rate

    def passages(self, passages: list[Passage], ctx: CallContext) -> list[Passage]:
        """Retrieval: the passages the feature will read instead."""
        return passages

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        """Prompt / model: the model spec to call instead (once per run)."""
        return spec

    def output(self, out: TargetOutput, ctx: CallContext) -> TargetOutput:
        """Output: what the feature answered, changed."""
        return out

    def fault(self, ctx: CallContext) -> Fault | None:
        """Infrastructure: the fault this call meets, or None."""
        return None

    async def setup(self, loaded: Any) -> None:  # noqa: B027 - optional hook
        """Called once before the run (e.g. to read a prompt version from the registry)."""


BUILTINS: dict[str, type[Injection]] = {}


def builtin(cls: type[Injection]) -> type[Injection]:
    """Register a built-in injection class under its ``name`` (the catalog must know it)."""
    if cls.name not in BUILTIN_INJECTIONS:  # pragma: no cover - a developer mistake
        raise RuntimeError(f"injection {cls.name} is not in gonogo.spec._lab's catalog")
    if BUILTIN_INJECTIONS[cls.name].layer != cls.layer:  # pragma: no cover
        raise RuntimeError(f"injection {cls.name}: layer differs from the catalog's")
    BUILTINS[cls.name] = cls
    return cls


def check_injection(obj: Any, where: str) -> Injection:
    """``obj`` if it is a usable injection: an :class:`Injection` with a known ``layer``."""
    from ..errors import UserError

    if not isinstance(obj, Injection) or obj.layer not in LAYERS:
        raise UserError(
            f"{where} did not give an injection (got {type(obj).__name__})",
            "return an instance of a gonogo.lab.Injection subclass that sets `layer` to one "
            f"of {', '.join(LAYERS)} and overrides that layer's method",
        )
    return obj


def stack_layers(stack: Sequence[Any]) -> set[str]:
    """The layers a stack of injections touches."""
    return {str(getattr(i, "layer", "")) for i in stack}
