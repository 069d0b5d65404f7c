"""The local shell: scripted stdin in, the transcript of what the bot would post out."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """\
is Dahua on the list?
:as U0ADMIN
:in C0SALES
can we ship 5G chips to Huawei Device in Dongguan?
:in nowhere
thanks!
:in dm
can we sell laptops to a distributor in Iran
/canweship screen "Acme GmbH" --country DE
/canweship screen
:quit
is Hikvision on the list?
"""

EXPECTED = """\
canweship (in D0LOCALUSER):
  == License required ==
  :warning: *Party:* Dahua
  • Zhejiang Dahua Technology Co., Ltd. is on the Entity List (84 FR 54004; 85 FR 44159). \
License requirement: For all items subject to the EAR. (See § 744.11 of the EAR) \
Review policy: Presumption of denial.
  ---
  :page_facing_up: *Matched record*
  *Zhejiang Dahua Technology Co., Ltd.* (matched as “Dahua”)
  List: Entity List (EL) · record `demo-el-0006` · score 100/100 · CN
  Federal Register: 84 FR 54004; 85 FR 44159
  License requirement: For all items subject to the EAR. (See § 744.11 of the EAR)
  Review policy: :no_entry_sign: Presumption of denial.
    List VERSION, age just now · screened TIME · audit #N
(now acting as U0ADMIN)
(now in channel C0SALES; lines mention @canweship)
canweship (in C0SALES, in thread):
  == License required ==
  :warning: *Party:* Huawei Device · *Destination:* China · *Item:* 5G chips
  • Huawei Device Co., Ltd. is on the Entity List (84 FR 22963). License requirement: \
For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR) Review policy: \
Presumption of Denial
  ---
  :page_facing_up: *Matched record*
  *Huawei Device Co., Ltd.* (matched as “Huawei Device”)
  List: Entity List (EL) · record `demo-el-0002` · score 100/100 · CN
  Federal Register: 84 FR 22963
  License requirement: For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR)
  Review policy: :no_entry_sign: Presumption of Denial
    List VERSION, age just now · screened TIME · audit #N
usage: :in C456 (a channel id) or :in dm
canweship (in C0SALES, only visible to you, in thread):
  :thinking_face: Nothing to check there. Ask e.g.: can we ship routers to Acme GmbH in Germany?
    No verdict was given.
(back in the DM with canweship)
canweship (in D0LOCALUSER):
  == Prohibited — do not ship ==
  :no_entry: *Destination:* Iran · *Item:* laptops
  • Destination Iran: Iran: comprehensive embargo (Country Group E:1) (15 CFR 746.7).
    List VERSION, age just now · screened TIME · audit #N
canweship (only visible to you):
  == Clear ==
  :large_green_circle: *Party:* Acme GmbH · *Destination:* Germany
  • 'Acme GmbH' matched nothing on the screening list at or above 80/100, and Germany has no \
destination restriction on record.
    List VERSION, age just now · screened TIME · audit #N
canweship (only visible to you):
  :x: Give a party to screen, e.g. /canweship screen Huawei Technologies --country CN
"""


def test_transcript(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["CANWESHIP_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = re.sub(r"v\d+-[0-9a-f]{8}", "VERSION", result.stdout)
    out = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME", out)
    out = re.sub(r"audit #\d+", "audit #N", out)
    assert out == EXPECTED
    assert "No Slack credentials set: starting the local shell" in result.stderr
    assert "the bundled demo list was loaded" in result.stderr
    assert str(tmp_path / "canweship.db") in result.stderr
