"""What a rule set requires before an appeal to the Tribunal: the redress part of a policy.

Workflows read these values; they never branch on a policy's name.

- `send-regs-2014` (today): the parent or young person must contact a mediation adviser before
  appealing (CFA 2014 s.55(2); SEND Regs 2014 reg 33), but may decline mediation and still get a
  certificate (reg 34). An appeal only about the school or institution named in section I, or that
  none is named, needs no certificate at all (s.55(3)).
- `green-paper-2022`: mediation is mandatory before any appeal (SEND Review green paper 2022,
  docs/statutory-choices.md row 23): declining gives no certificate, and settings-only appeals are not exempt. A
  certificate still follows where the LA cannot arrange mediation in time (SEND Regs 2014 regs 35-41, as today).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from statutory.policies import DEFAULT_POLICY, GREEN_PAPER, POLICIES


@dataclass(frozen=True)
class RedressRules:
    # A parent who declines mediation still gets a certificate and may appeal (reg 34).
    certificate_on_declining: bool
    # Appeals only about section I need no certificate (CFA 2014 s.55(3)).
    settings_only_exempt: bool


REDRESS_RULES: Mapping[str, RedressRules] = MappingProxyType(
    {
        DEFAULT_POLICY: RedressRules(certificate_on_declining=True, settings_only_exempt=True),
        GREEN_PAPER: RedressRules(certificate_on_declining=False, settings_only_exempt=False),
    }
)
assert set(REDRESS_RULES) == set(POLICIES), "every rule set says what it needs before an appeal"


def redress_rules(policy: str) -> RedressRules:
    rules = REDRESS_RULES.get(policy)
    if rules is None:
        raise ValueError(f"unknown policy {policy!r}; known policies: {', '.join(sorted(REDRESS_RULES))}")
    return rules
