"""The base of both record models: strict types, and who owns a shape.

Why these choices, once for all the models (:mod:`.standard`, :mod:`.generation`):

* ``strict=True`` everywhere. In lax mode pydantic turns ``"12"`` into ``12`` and ``1`` into
  ``True``; a log record that silently changes type is what these models exist to catch. Strict
  mode still accepts an int where a float is expected and a plain dict where a nested model is.
* ``extra="forbid"`` on the records we own (:class:`Owned`: the specification's types, the
  generation record and its fee/rating parts): a key outside the contract is a producer bug
  (``start_time`` for ``startTime``), and dropping it quietly would hide that bug. Shapes owned by
  someone else (:class:`Foreign`: a price-map entry, OpenAI's vector-store page, the upstream's own
  usage object) allow extra keys and keep them, since their owners add fields over time.
* ``protected_namespaces=()``: the specification has fields named ``model_id``, ``model_group``,
  ``model_map_information``...; older pydantic 2.x would warn about every one of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer

__all__ = ["Foreign", "OmitAbsent", "Owned", "format_amount"]


class Owned(BaseModel):
    """A shape we own: strict types, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True, protected_namespaces=())


class Foreign(BaseModel):
    """A shape owned by someone else: strict on the fields we know, unknown keys kept as they are."""

    model_config = ConfigDict(strict=True, extra="allow", validate_assignment=True, protected_namespaces=())


class OmitAbsent:
    """Mixin: declared fields that are ``None`` are left out of the dump instead of written as null.

    Used where a missing key means "not reported / not a fee item for this model", which is not the
    same as 0 and not worth a ``null`` in every record. Extra keys are passed through untouched.
    """

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        declared = type(self).model_fields  # type: ignore[attr-defined]
        return {k: v for k, v in data.items() if not (v is None and k in declared)}


def format_amount(amount: Decimal | int | str) -> str:
    """A money amount as the record writes it: plain decimal, no exponent, no trailing zeros
    (``Decimal("0.0510060")`` -> ``"0.051006"``, ``Decimal("0E-6")`` -> ``"0"``)."""
    text = format(Decimal(amount).normalize(), "f")
    return "0" if text in ("-0", "0") else text
