"""The three kinds of target: the PRD's model spec, a Python callable, an HTTP endpoint."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._redact import add_secret
from .._safejson import dumps, loads
from ..data._case import Case
from ..data._output import TargetOutput
from ..errors import ProviderError, UserError
from ..models import ModelClient
from ..spec import HttpTargetSpec, ModelSpec
from ._template import case_variables, render

log = logging.getLogger("gonogo")

# Failures that mean "the run cannot proceed" rather than "the feature failed": the
# provider or endpoint is unreachable or refuses the key, or (``setup``) the target cannot
# be called with the dataset's fields.
RUN_FAILURE_KINDS = frozenset({"connection", "auth", "not_found", "setup"})


class ModelTarget:
    """The PRD's model spec: render the prompt template, call the provider."""

    def __init__(self, spec: ModelSpec, client: ModelClient) -> None:
        self.spec = spec
        self.client = client
        self.name = f"model:{spec.name} (prompt {spec.prompt.name} v{spec.prompt.version})"
        self._schema = spec.output_schema
        self._validator: Any = None
        if self._schema is not None:
            import jsonschema

            self._validator = jsonschema.Draft202012Validator(self._schema)

    def messages(self, case: Case) -> list[dict[str, str]]:
        """The chat messages for one case."""
        variables = case_variables(case)
        msgs = []
        if self.spec.prompt.system:
            msgs.append({"role": "system", "content": render(self.spec.prompt.system, variables)})
        msgs.append({"role": "user", "content": render(self.spec.prompt.user, variables)})
        return msgs

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        t0 = time.perf_counter()
        try:
            resp = await self.client.complete(
                self.messages(case), sample=sample, response_format=self._schema
            )
        except ProviderError as e:
            return _failed(t0, str(e), e.kind)
        out = TargetOutput(
            resp.text,
            latency_s=resp.latency_s,
            cost_usd=resp.cost_usd,
            input_tokens=resp.usage.input_tokens if resp.usage else None,
            output_tokens=resp.usage.output_tokens if resp.usage else None,
            cached=resp.cached,
            metadata={"finish_reason": resp.finish_reason, "model": resp.model},
        )
        if self._validator is not None:
            _parse_structured(out, self._validator)
        return out


def _parse_structured(out: TargetOutput, validator: Any) -> None:
    try:
        value = loads(out.output)
    except (TypeError, json.JSONDecodeError) as e:
        out.error, out.error_kind = f"output is not valid JSON ({e})", "invalid_output"
        return
    err = next(iter(validator.iter_errors(value)), None)
    if err is not None:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.error = f"output does not follow the output schema at {where}: {err.message}"
        out.error_kind = "invalid_output"
    out.output = value


class CallableTarget:
    """The user's own app: ``package.module:function``.

    The function gets the case's variables as keyword arguments (or the Case itself
    when it has a parameter named ``case``); it may be sync or async and returns the
    output, or a dict with ``output`` and optionally ``contexts``, ``cost_usd``,
    ``input_tokens``, ``output_tokens`` and ``metadata``. If the function's module
    defines ``aclose()`` (async) or ``close()``, it is called once when the run ends, so
    the app can release its connections.
    """

    def __init__(self, import_path: str, base_dir: Path) -> None:
        self.name = import_path
        self.fn = load_callable(import_path, base_dir)
        self._module = sys.modules.get(import_path.partition(":")[0])
        self._signature = inspect.signature(self.fn)
        params = self._signature.parameters
        self._wants_case = "case" in params
        self._takes = {n for n, p in params.items() if p.kind is not p.VAR_POSITIONAL} - {"case"}
        self._any_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self._is_async = inspect.iscoroutinefunction(self.fn)
        # a compare variant's target_args: keyword arguments, also for a function taking
        # `case` (those it has a parameter for; the case's inputs carry them all anyway)
        self.extra_kwargs: dict[str, Any] = {}

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        t0 = time.perf_counter()
        try:
            if self._wants_case:
                args: tuple[Any, ...] = (case,)
                kwargs: dict[str, Any] = {
                    k: v
                    for k, v in self.extra_kwargs.items()
                    if self._any_kwargs or k in self._takes
                }
            else:
                args, kwargs = (), {**case.inputs, **self.extra_kwargs}
                mismatch = signature_mismatch(self.name, self._signature, kwargs)
                if mismatch is not None:  # the setup is wrong, not the feature
                    return _failed(t0, mismatch, "setup")
            if self._is_async:
                result = await self.fn(*args, **kwargs)
            else:
                result = await asyncio.to_thread(self.fn, *args, **kwargs)
        except ProviderError as e:  # the app's own model call: unreachable is a run failure
            kind = e.kind if e.kind in RUN_FAILURE_KINDS else "exception"
            return _failed(t0, f"{type(e).__name__}: {e}", kind)
        except Exception as e:  # the feature under test failed: a failed case, not a crash
            return _failed(t0, f"{type(e).__name__}: {e}", "exception")
        return _coerce_output(result, time.perf_counter() - t0)

    async def aclose(self) -> None:
        """Call the app module's own ``aclose()`` / ``close()`` hook, if it has one.

        Only a function the module defines itself and that takes no argument counts: a
        module such as ``os`` has a ``close(fd)`` that is no hook. A hook that fails is
        reported as a warning: the run's results are complete by then.
        """
        hook = _close_hook(self._module)
        if hook is None:
            return
        try:
            result = hook()
            if inspect.isawaitable(result):
                await result
        except Exception as e:
            log.warning("the close hook %s() of the target's module failed: %s: %s",
                        hook.__name__, type(e).__name__, e)  # fmt: skip


def _close_hook(module: Any) -> Callable[[], Any] | None:
    name = getattr(module, "__name__", None)
    for attr in ("aclose", "close"):
        hook = getattr(module, attr, None)
        if not callable(hook) or getattr(hook, "__module__", None) != name:
            continue
        try:
            inspect.signature(hook).bind()
        except (TypeError, ValueError):  # needs arguments, or no signature to tell
            continue
        fn: Callable[[], Any] = hook
        return fn
    return None


def signature_mismatch(
    name: str, signature: inspect.Signature, fields: dict[str, Any]
) -> str | None:
    """Why a function cannot take a case's fields as keyword arguments (None if it can)."""
    try:
        signature.bind(**fields)
    except TypeError as e:
        params = signature.parameters.values()
        named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params)
        unused = [f for f in fields if f not in named and not takes_any]
        missing = [
            p.name
            for p in params
            if p.name in named and p.default is p.empty and p.name not in fields
        ]
        parts = []
        if unused:
            parts.append("no parameter for field " + ", ".join(f"'{f}'" for f in unused))
        if missing:
            parts.append("no field for parameter " + ", ".join(f"'{m}'" for m in missing))
        given = ", ".join(fields) or "none"
        why = "; ".join(parts) or str(e)
        return f"{name}{signature} cannot be called with the case's fields ({given}): {why}"
    return None


SETUP_HINT = (
    "a Python target gets each case's fields as keyword arguments: give the function a "
    "parameter for every field (or **kwargs, or a single parameter named `case` for the "
    "whole case), or drop the extra fields from the dataset; `gonogo check` finds this "
    "without running"
)


def _coerce_output(result: Any, latency: float) -> TargetOutput:
    if isinstance(result, TargetOutput):
        if not result.latency_s:
            result.latency_s = latency
        return result
    if isinstance(result, dict) and "output" in result:
        return TargetOutput(
            result["output"],
            contexts=result.get("contexts"),
            latency_s=latency,
            cost_usd=result.get("cost_usd"),
            input_tokens=result.get("input_tokens"),
            output_tokens=result.get("output_tokens"),
            metadata=dict(result.get("metadata") or {}),
        )
    return TargetOutput(result, latency_s=latency)


def load_callable(import_path: str, base_dir: Path) -> Callable[..., Any]:
    """Import ``package.module:function``, with the PRD's folder on ``sys.path``."""
    module_name, _, attr = import_path.partition(":")
    if str(base_dir) not in sys.path:
        sys.path.insert(0, str(base_dir))
    _forget_other_copy(module_name.split(".")[0], base_dir)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UserError(
            f"cannot import '{module_name}' for target '{import_path}': {e}",
            "check the module path; it is resolved from the PRD's folder and the Python path",
        ) from None
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise UserError(
                f"'{module_name}' has no attribute '{attr}'",
                "name the function as package.module:function",
            )
    if not callable(obj):
        raise UserError(f"target '{import_path}' is not callable", "point at a function")
    fn: Callable[..., Any] = obj
    return fn


def _forget_other_copy(top: str, base_dir: Path) -> None:
    """Drop an imported ``top`` module that is not the one in ``base_dir``.

    Imports are cached by name: a second PRD in the same process whose target is also
    ``app:answer`` would otherwise get the first project's ``app``.
    """
    mine = [base_dir / f"{top}.py", base_dir / top / "__init__.py"]
    loaded = sys.modules.get(top)
    if loaded is None or not any(p.exists() for p in mine):
        return
    origin = getattr(loaded, "__file__", None)
    if origin is not None and Path(origin).resolve() in {p.resolve() for p in mine}:
        return
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


class HttpTarget:
    """An HTTP endpoint: POSTs each case's variables as JSON, reads the answer by path."""

    def __init__(self, spec: HttpTargetSpec, api_key: str | None = None) -> None:
        self.spec = spec
        self.name = spec.url
        self._headers = {"Content-Type": "application/json", **spec.headers}
        if api_key:
            add_secret(api_key)  # never written or printed, even when the endpoint echoes it
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._session: Any = None

    async def _get_session(self) -> Any:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.spec.concurrency),
                timeout=aiohttp.ClientTimeout(total=self.spec.timeout_s),
            )
        return self._session

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        import aiohttp

        session = await self._get_session()
        t0 = time.perf_counter()
        body = dumps(case.inputs, redact_secrets=False)
        try:
            if self.spec.method == "GET":
                req = session.get(
                    self.spec.url,
                    params={k: str(v) for k, v in case.inputs.items()},
                    headers=self._headers,
                )
            else:
                req = session.post(self.spec.url, data=body, headers=self._headers)
            async with req as resp:
                text = await resp.text()
                status = resp.status
        except TimeoutError:
            return _failed(t0, f"no answer within {self.spec.timeout_s:g}s", "timeout")
        except aiohttp.ClientConnectorError as e:
            return _failed(t0, f"cannot connect to {self.spec.url}: {e.os_error}", "connection")
        except aiohttp.ClientError as e:
            return _failed(t0, f"HTTP error: {type(e).__name__}: {e}", "http")
        latency = time.perf_counter() - t0
        if status >= 400:
            kind = "auth" if status in (401, 403) else "not_found" if status == 404 else "http"
            return TargetOutput(
                None, latency_s=latency, error=f"HTTP {status}: {text[:200]}", error_kind=kind
            )
        return _parse_http_body(self.spec, text, latency)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


def _failed(t0: float, error: str, kind: str) -> TargetOutput:
    """A failed call of the feature under test, timed from ``t0``."""
    return TargetOutput(None, latency_s=time.perf_counter() - t0, error=error, error_kind=kind)


def _parse_http_body(spec: HttpTargetSpec, text: str, latency: float) -> TargetOutput:
    try:
        data = loads(text)
    except json.JSONDecodeError:
        return TargetOutput(text, latency_s=latency)  # a plain-text answer
    output = _dig(data, spec.output_field)
    if output is _MISSING:
        return TargetOutput(
            None,
            latency_s=latency,
            error_kind="invalid_output",
            error=f"response has no '{spec.output_field}' field",
        )
    contexts = _dig(data, spec.contexts_field) if spec.contexts_field else None
    return TargetOutput(
        output, latency_s=latency, contexts=contexts if isinstance(contexts, list) else None
    )


_MISSING = object()


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data
