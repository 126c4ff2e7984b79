"""The widget apps as a student meets them: JupyterLab in headless Chromium (pytest marker ``browser``).

JupyterLab runs from this interpreter on a free loopback port, with a token and its own config, runtime,
settings and workspace folders. Notebooks 01 and 07 are copied into a temporary folder (the committed ones
never get outputs), run from the Run menu, and their apps are used as a person would: pick, play, filter,
type, press predict. Each step asserts what a person would see and saves a screenshot of the app under
``build/screenshots/`` (``make screenshots`` copies two of them into figures/ for the README).

The browser is Debian's ``chromium`` (``make chromium`` installs it), driven by Playwright pointed at that
binary: nothing is downloaded. Without Chromium the tier is skipped with the reason, except under CI,
where ``.ci/run`` installs it and a missing browser fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pathos_lib.corpus import load_corpus
from pathos_lib.paths import build_dir

PROJECT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("PATHOS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = build_dir() / "screenshots"
# the switches Chromium needs as root in a machine without a display or an outside network
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip
RUN_TIMEOUT_MS = 240_000  # a whole notebook (07 trains three small networks)
ACTION_TIMEOUT_MS = 60_000  # one widget action (the first speech recognition loads Whisper)


def _require_chromium() -> str:
    if CHROMIUM and Path(CHROMIUM).exists():
        return CHROMIUM
    why = "Chromium not found: `make chromium` installs Debian's chromium (root)"
    if os.environ.get("CI"):
        pytest.fail(f"{why}; .ci/run installs it before the tests, so under CI a missing browser fails")
    pytest.skip(f"{why} (browser tier skipped)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A JupyterLab server of our own: its URL, token, notebook folder and log."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.token, self.port = folder / "notebooks", "pathos-browser-test", _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "jupyterlab.log"
        self.folder.mkdir()
        for name in ("01_data_exploration", "07_try_it"):
            shutil.copy(PROJECT / "notebooks" / f"{name}.ipynb", self.folder)
        settings = folder / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)  # no news or update checks: this machine reaches no outside server
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = os.environ | {
            "JUPYTER_CONFIG_DIR": str(folder / "config"),
            "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
            "PATHOS_BUILD": str(folder / "build"),  # the notebooks' models and figures: not in the checkout
            "PATHOS_FIGURES": str(folder / "figures"),
        }
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.folder}",
            f"--LabApp.user_settings_dir={folder / 'settings'}",
            f"--LabApp.workspaces_dir={folder / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the tests read the notebook model
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"JupyterLab did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Shut the server down (it stops its kernels), killing it if it does not go."""
        self.process.send_signal(signal.SIGINT)
        self.process.send_signal(signal.SIGINT)  # the second one skips the confirmation
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _require_chromium()
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    executable = _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Student:
    """One browser page on a notebook, with what went wrong on it: console errors, page errors, and the
    errors the kernel reported (a cell's or a widget callback's)."""

    def __init__(self, chromium, lab: Lab, notebook: str) -> None:
        self.lab, self.notebook = lab, notebook
        self.page = chromium.new_page(viewport={"width": 1400, "height": 1700})
        self.page.set_default_timeout(ACTION_TIMEOUT_MS)
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.step = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def open(self) -> None:
        """Open the notebook in a fresh workspace and wait for its kernel; listen to the kernel's errors."""
        self.page.goto(f"{self.lab.url}/lab/tree/{self.notebook}.ipynb?token={self.lab.token}&reset")
        self.page.wait_for_function(
            """name => { const w = window.jupyterapp?.shell.currentWidget;
                return w?.context?.path === name && w.sessionContext.isReady
                    && w.sessionContext.session?.kernel?.status === 'idle'
                    && w.sessionContext.session.kernel.connectionStatus === 'connected'; }""",
            arg=f"{self.notebook}.ipynb",
        )
        self.page.evaluate(
            """() => { window.kernelErrors = [];
                window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.iopubMessage.connect(
                    (_, msg) => { if (msg.header.msg_type === 'error')
                        window.kernelErrors.push(msg.content.ename + ': ' + msg.content.evalue); }); }"""
        )

    def run_all_cells(self) -> dict:
        """Run > Run All Cells, as from the menu; wait for the last cell; return the notebook (nbformat)."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        self.page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
                const cells = w.content.model.toJSON().cells.filter(c => c.cell_type === 'code');
                const failed = cells.some(c => c.outputs.some(o => o.output_type === 'error'));
                return failed || (cells.every(c => c.execution_count !== null)
                                  && w.sessionContext.session.kernel.status === 'idle'); }""",
            timeout=RUN_TIMEOUT_MS,
            polling=500,
        )
        notebook = self.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                if output["output_type"] == "error":
                    source = "".join(cell["source"])[:300]
                    error = f"{output['ename']}: {output['evalue']}"
                    pytest.fail(f"{self.notebook}: {error}\nin the cell:\n{source}")
        unrun = [c for c in notebook["cells"] if c["cell_type"] == "code" and c["execution_count"] is None]
        assert not unrun, f"{self.notebook}: {len(unrun)} code cells did not run"
        return notebook

    def assert_healthy(self) -> None:
        """What a person would call broken: a widget that failed to show, a kernel error, a console error."""
        assert self.page.get_by_text("Error displaying widget").count() == 0
        broken = self.page.locator(".jupyter-widgets-error-widget").count()
        assert broken == 0, f"{broken} widget view(s) failed to render (.jupyter-widgets-error-widget)"
        kernel_errors = self.page.evaluate("() => window.kernelErrors")
        assert not kernel_errors, f"the kernel reported errors: {kernel_errors}"
        assert not self.console_errors, f"JavaScript console errors: {self.console_errors}"

    def screenshot(self, element, name: str) -> Path:
        """The element as the student sees it, saved as build/screenshots/<notebook>_<step>_<name>.png."""
        self.step += 1
        path = SCREENSHOTS / f"{self.notebook[:2]}_{self.step:02d}_{name}.png"
        element.scroll_into_view_if_needed()
        element.screenshot(path=path)
        assert path.stat().st_size > 5_000, f"{path} is nearly empty"
        return path

    def wait_for_new_view(self, app, before: dict) -> dict:
        """Wait until the app shows another figure (a new image, loaded) and return what it shows now."""
        self.page.wait_for_function(
            """([app, src]) => { const img = app.querySelector('img');
                return img && img.src !== src && img.complete && img.naturalWidth > 0; }""",
            arg=[app.element_handle(), before.get("image_src")],
        )
        return shown(app)


def shown(app) -> dict:
    """What an app shows now: its figure (source, size, share of non-white pixels, a digest of its bytes),
    its text panel and its audio player's source."""
    return app.evaluate(
        """async app => {
            const img = app.querySelector('img'), pre = app.querySelector('pre');
            const audio = app.querySelector('audio');
            const out = {text: pre ? pre.innerText : null, audio_src: audio ? audio.src : null};
            if (img) {
                const bytes = await (await fetch(img.src)).arrayBuffer();
                const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                const context = canvas.getContext('2d');
                context.drawImage(img, 0, 0);
                const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
                let inked = 0;
                for (let i = 0; i < pixels.length; i += 4)
                    if (pixels[i] < 235 || pixels[i + 1] < 235 || pixels[i + 2] < 235) inked++;
                Object.assign(out, {image_src: img.src, width: img.naturalWidth, height: img.naturalHeight,
                                    inked: inked / (pixels.length / 4),
                                    digest: digest.map(b => b.toString(16).padStart(2, '0')).join('')});
            }
            return out; }"""
    )


def play(audio) -> dict:
    """Press play on an audio element; return its source, duration, error and how far it got."""
    return audio.evaluate(
        """async audio => {
            if (audio.readyState < 1)
                await new Promise((ok, fail) => { audio.onloadedmetadata = ok; audio.onerror = fail; });
            await audio.play();
            await new Promise(ok => setTimeout(ok, 400));
            audio.pause();
            return {src: audio.currentSrc, duration: audio.duration, error: audio.error && audio.error.code,
                    played: audio.currentTime}; }"""
    )


def assert_figure(view: dict) -> None:
    assert view["width"] > 300 and view["height"] > 150, view
    assert view["inked"] > 0.05, f"the figure is nearly blank: {view['inked']:.1%} of its pixels drawn"


def assert_playable(audio) -> None:
    state = play(audio)
    assert state["src"] and state["error"] is None, state
    assert state["duration"] > 0.2 and state["played"] > 0, state


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("synthetic")


def test_corpus_browser_in_jupyterlab(lab, chromium, corpus):
    student = Student(chromium, lab, "01_data_exploration")
    student.open()
    student.run_all_cells()
    student.assert_healthy()
    page = student.page
    # every figure and player the notebook displayed
    figures = page.locator(".jp-RenderedImage img")
    assert figures.count() >= 5
    for i in range(figures.count()):
        size = figures.nth(i).evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
        assert size[0] and size[1] > 100 and size[2] > 100, f"figure {i} did not load: {size}"
    players = page.locator(".jp-RenderedHTMLCommon audio")
    assert players.count() == corpus["label"].nunique()  # one example per class in quick mode
    assert_playable(players.first)

    app = page.locator(".jp-OutputArea-output:has(.widget-select)")
    utterance = app.locator(".widget-select select")
    session = app.locator(".widget-dropdown", has_text="session").locator("select")
    label = app.locator(".widget-dropdown", has_text="class").locator("select")
    options = lambda: utterance.locator("option").evaluate_all("os => os.map(o => o.value)")  # noqa: E731
    assert options() == corpus["utt_id"].tolist()
    first = shown(app)
    assert_figure(first)
    assert_playable(app.locator("audio"))
    student.screenshot(app, "corpus_browser")

    # pick another utterance: its recording and its waveform/spectrogram replace the first
    utterance.select_option(corpus["utt_id"].iloc[5])
    picked = student.wait_for_new_view(app, first)
    assert_figure(picked)
    assert picked["digest"] != first["digest"] and picked["audio_src"] != first["audio_src"]
    assert_playable(app.locator("audio"))
    student.screenshot(app, "picked")

    # a class, then a session: the list holds exactly those utterances, the first of them on show
    label.select_option("sad")
    sad = student.wait_for_new_view(app, picked)
    assert options() == corpus.loc[corpus["label"] == "sad", "utt_id"].tolist()
    assert utterance.input_value() == options()[0]
    session.select_option("3")
    both = student.wait_for_new_view(app, sad)
    expected = corpus.loc[(corpus["label"] == "sad") & (corpus["session"] == 3), "utt_id"].tolist()
    assert options() == expected and utterance.input_value() == expected[0]
    assert_figure(both)
    assert_playable(app.locator("audio"))
    student.screenshot(app, "filtered")
    student.assert_healthy()


def test_try_it_app_in_jupyterlab(lab, chromium):
    student = Student(chromium, lab, "07_try_it")
    student.open()
    student.run_all_cells()
    student.assert_healthy()
    page = student.page
    app = page.locator(".jp-OutputArea-output:has(.widget-button)")
    dropdown = app.locator(".widget-dropdown select")
    wav = app.locator(".widget-text", has_text="wav").locator("input")
    transcript = app.locator(".widget-text", has_text="transcript").locator("input")
    predict = app.get_by_role("button", name="predict")

    first = shown(app)
    assert_figure(first)
    assert first["text"].split()[:4] == ["ang", "hap", "neu", "sad"] and "fusion" in first["text"]
    assert_playable(app.locator("audio"))
    student.screenshot(app, "try_it_app")

    # another utterance from the dropdown: the fields take its wav and gold transcript
    choices = dropdown.locator("option").evaluate_all("os => os.map(o => o.value)")
    dropdown.select_option(choices[3])
    picked = student.wait_for_new_view(app, first)
    assert_figure(picked)
    assert picked["text"] != first["text"] and picked["digest"] != first["digest"]
    assert choices[3] in wav.input_value() and transcript.input_value()
    assert_playable(app.locator("audio"))
    student.screenshot(app, "picked")

    # a transcript of one's own, same voice: the text and fused rows (and the word attention) change,
    # the audio row does not, and the speaker is still the corpus speaker (no "unknown speaker" note)
    transcript.fill("what a wonderful surprise, i am so happy and lucky today")
    predict.click()
    typed = student.wait_for_new_view(app, picked)
    assert_figure(typed)
    rows = lambda view: {line.split()[0]: line.split()[1:5] for line in view["text"].splitlines()[1:4]}  # noqa: E731
    assert rows(typed)["audio"] == rows(picked)["audio"] and rows(typed)["text"] != rows(picked)["text"]
    assert "unknown speaker" not in typed["text"] and typed["digest"] != picked["digest"]
    student.screenshot(app, "typed_transcript")

    # no transcript: speech recognition listens and the app says what it heard
    transcript.fill("")
    predict.click()
    heard = student.wait_for_new_view(app, typed)
    assert heard["text"].startswith('heard (speech recognition): "') and "fusion" in heard["text"]
    assert_figure(heard)
    student.screenshot(app, "speech_recognition")

    # the checkbox: a corpus utterance heard rather than read
    app.get_by_role("checkbox").check()
    dropdown.select_option(choices[5])
    listened = student.wait_for_new_view(app, heard)
    assert listened["text"].startswith("heard (speech recognition)") and transcript.input_value() == ""
    student.screenshot(app, "listened")

    # a path that is not there: a red message, no traceback
    wav.fill("no/such/recording.wav")
    predict.click()
    page.wait_for_function("app => app.querySelector('pre')?.innerText.startsWith('Cannot predict')",
                           arg=app.element_handle())  # fmt: skip
    message = app.locator("pre")
    assert "no/such/recording.wav" in message.inner_text() and app.locator("img").count() == 0
    assert "rgb(187, 0, 0)" in message.evaluate("pre => getComputedStyle(pre).color")
    student.screenshot(app, "missing_file")
    student.assert_healthy()


BROKEN = """\
import ipywidgets as widgets
from traitlets import Unicode


class Unrenderable(widgets.DOMWidget):
    _view_name = Unicode("NoSuchView").tag(sync=True)
    _view_module = Unicode("no-such-module").tag(sync=True)


button = widgets.Button(description="fails")
button.on_click(lambda _: 1 / 0)
widgets.VBox([button, Unrenderable()])
"""


def test_the_checks_see_what_a_person_would(lab, chromium):
    """The checks above can fail: a widget that cannot render, a callback that raises, a console error."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BROKEN)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.folder / "broken.ipynb")
    student = Student(chromium, lab, "broken")
    student.open()
    student.run_all_cells()
    student.page.locator(".jupyter-widgets-error-widget").wait_for()  # "Click to show javascript error"
    with pytest.raises(AssertionError, match="jupyter-widgets-error-widget"):
        student.assert_healthy()
    assert "No version of module no-such-module" in student.console_errors[0]
    student.page.locator(".jupyter-widgets-error-widget").evaluate("icon => icon.remove()")
    student.console_errors.clear()
    student.assert_healthy()
    student.page.get_by_role("button", name="fails").click()
    student.page.wait_for_function("() => window.kernelErrors.length > 0")
    with pytest.raises(AssertionError, match="ZeroDivisionError: division by zero"):
        student.assert_healthy()
