"""A whole draw night through the page, in headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium) against the offline stack served as `lottery serve` serves
it: check-in from a phone that opened the big screen's QR code, three prizes drawn on the big
screen, an absent winner's redraw, both exports, and the page in Chinese. Asserts what the screen
shows. With LOTTERY_SCREENSHOTS=<dir> it also saves the screenshots the README shows."""

import csv
import io
import os
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.api_client import call
from cli.serve import ApiRouter, Screen, make_server
from cli.verify import verify
from handlers.night import masked
from twin.stack import OfflineStack

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver")]

NAMES = ("张伟 王芳 李娜 刘洋 陈静 杨磊 赵敏 黄勇 周杰 吴霞 徐涛 孙丽 马超 朱琳 胡斌 郭蕾 何平 高峰 林琪 罗军 "
         "Alice Brown,Bob Chen,Carol Diaz,David Evans").replace(",", " ").split(" ")
ROSTER = "employee_id,employee_name\n" + "\n".join(f"E{i:03d},{n}" for i, n in enumerate(
    [*NAMES[:20], "Alice Brown", "Bob Chen", "Carol Diaz", "David Evans"], 1))
NAMES_BY_ID = dict(line.split(",", 1) for line in ROSTER.splitlines()[1:])
NIGHT = {"id": "party-2026", "name": "2026 年会 · Annual party", "presence": True, "exclude": ["E024"],
         "prizes": [{"id": "third", "name": "三等奖 Third prize", "count": 3},
                    {"id": "second", "name": "二等奖 Second prize", "count": 2},
                    {"id": "first", "name": "一等奖 First prize", "count": 1}]}
PRESENT = [f"E{i:03d}" for i in range(1, 13)] + ["E024"]  # twelve, and one who is excluded
WAIT_S = 60  # generous: a slow machine waits longer, it never fails sooner


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with OfflineStack("dev", tmp_path_factory.mktemp("state")) as stack:
        stack.import_roster(ROSTER)
        router = ApiRouter(stack.outputs["api_id"], stack.region)
        shown = call(router, "POST", "/night", NIGHT)
        server = make_server(Screen(router, None), 0, stack.saved)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US", "--hide-scrollbars"):
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(DRIVER), options=options)
        try:
            yield stack, browser, f"http://127.0.0.1:{server.server_address[1]}/", shown
        finally:
            browser.quit()
            server.shutdown()
            server.server_close()


def router_of(stack) -> ApiRouter:
    return ApiRouter(stack.outputs["api_id"], stack.region)


def shoot(browser, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("LOTTERY_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / f"{name}.png"))


def test_a_whole_night_through_the_page(night, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    stack, browser, url, opened = night
    find = browser.find_element
    wait = WebDriverWait(browser, WAIT_S).until

    def click(selector: str) -> None:
        """Click once the element is shown and enabled (the page renders after its first answer)."""
        wait(ready.element_to_be_clickable((By.CSS_SELECTOR, selector))).click()

    def text(selector: str) -> str:
        return find(By.CSS_SELECTOR, selector).text

    def winners_in(selector: str) -> list[str]:
        return [e.get_attribute("data-employee-id") for e in browser.find_elements(By.CSS_SELECTOR, selector)]

    # The big screen: the night, its first prize, nobody able to win before check-in, the QR code.
    browser.set_window_size(1280, 720)
    browser.get(url + "?lang=en#screen")
    wait(lambda b: "Annual party" in text("#night-name"))
    assert "三等奖 Third prize" in text("#current-tier") and text("#eligible-count") == "0"
    phone_url = find(By.CSS_SELECTOR, "#qr").get_attribute("data-url")
    assert phone_url == f"{url}#phone?code={call(router_of(stack), 'GET', '/night/code')['checkin_code']}"
    assert find(By.CSS_SELECTOR, "#qr svg")

    # A phone that scanned it checks everyone in, one after another (one is excluded from the draws).
    browser.set_window_size(390, 844)
    browser.get(phone_url)
    for employee in PRESENT:
        box = wait(ready.element_to_be_clickable((By.CSS_SELECTOR, "#employee-id")))
        box.clear()
        box.send_keys(employee)
        click("#checkin")
        # The name shown masked (张*伟): enough to see one's own, not a roster to read out id by id.
        wait(lambda b, e=employee: "checked in" in text("#checkin-result") and masked(NAMES_BY_ID[e]) in text("#checkin-result"))
    wait(lambda b: text("#present-count") == "13" and text("#eligible-count") == "12")
    shoot(browser, "night-phone", tmp_path)
    box.clear()
    box.send_keys("E999")
    click("#checkin")
    wait(lambda b: "E999 is not on the live roster" in text("#checkin-result"))

    # Back on the big screen, the three prizes, one after another.
    browser.set_window_size(1280, 720)
    browser.get(url + "?lang=en#screen")
    wait(lambda b: text("#eligible-count") == "12")
    drawn: dict[str, list[str]] = {}
    for prize, count in (("third", 3), ("second", 2), ("first", 1)):
        click(f'button[data-draw="{prize}"]')
        wait(lambda b: find(By.CSS_SELECTOR, "#cycling").get_attribute("data-state") == "cycling")
        if prize == "second":
            shoot(browser, "night-screen-cycling", tmp_path)
        wait(lambda b: find(By.CSS_SELECTOR, "#cycling").get_attribute("data-state") == "revealed")
        drawn[prize] = winners_in("#reveal .winner")
        assert len(drawn[prize]) == count and set(drawn[prize]) <= set(PRESENT) - {"E024"}
        wait(lambda b, p=prize: sorted(winners_in(f'#results section[data-prize="{p}"] li.winner')) == sorted(drawn[p]))
    everyone = [e for w in drawn.values() for e in w]
    assert len(set(everyone)) == 6  # a prize's winners never win a later one
    assert not find(By.CSS_SELECTOR, 'button[data-draw="first"]').is_enabled()
    assert "All prizes drawn" in text("#current-tier")

    # A third-prize winner is absent: they forfeit, struck through, and one replacement is drawn.
    absent = drawn["third"][0]
    click(f'button[data-absent="{absent}"]')
    click("#confirm-yes")
    wait(lambda b: find(By.CSS_SELECTOR, "#cycling").get_attribute("data-state") == "cycling")
    wait(lambda b: find(By.CSS_SELECTOR, "#cycling").get_attribute("data-state") == "revealed")
    (replacement,) = winners_in("#reveal .winner")
    assert replacement in set(PRESENT) - {"E024"} - set(everyone)
    wait(lambda b: winners_in("#results li.winner.forfeited") == [absent])
    assert winners_in('#results section[data-prize="third"] li.winner.replacement') == [replacement]
    shoot(browser, "night-screen", tmp_path)

    # Both exports, from the links the page shows, hold what the screen shows.
    rows = {}
    for link, read in (("#export-csv", lambda data: list(csv.reader(io.StringIO(data.decode("utf-8"))))),
                       ("#export-xlsx", lambda data: [[c or "" for c in r] for r in
                                                      load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)])):
        with urllib.request.urlopen(find(By.CSS_SELECTOR, link).get_attribute("href"), timeout=30) as answer:
            rows[link] = read(answer.read())
    assert rows["#export-csv"] == rows["#export-xlsx"]
    table = [dict(zip(rows["#export-csv"][0], r, strict=True)) for r in rows["#export-csv"][1:]]
    by_id = {r["employee_id"]: r for r in table}
    assert (by_id[absent]["prize"], by_id[absent]["status"]) == ("third", "forfeited")
    assert (by_id[replacement]["prize"], by_id[replacement]["replaces"]) == ("third", absent)
    assert sorted(r["employee_id"] for r in table) == sorted([*everyone, replacement])

    # In Chinese, by the toggle.
    click("#lang")
    wait(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")
    assert "全部奖项已抽完" in text("#current-tier")
    shoot(browser, "night-screen-zh", tmp_path)

    # Everything the page did is in the Ledger, and replays.
    assert "in place of " + absent in "\n".join(verify(stack.export()))
