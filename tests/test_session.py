"""The session chart and the FlowRunner, driven by a fake clock: no Qt, no waiting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from kiosk.config import DeviceRole
from kiosk.devices.events import QrScanned, ScanKind
from kiosk.flows.effects import Effect, Show
from kiosk.flows.events import (
    DefaultLocaleChanged,
    ElderlyModeChosen,
    Event,
    FlowEvent,
    HomeRequested,
    JobFinished,
    LocaleChosen,
    MoreTimeRequested,
    ServiceChosen,
    TimerFired,
    UserActivity,
)
from kiosk.flows.runner import FlowRunner
from kiosk.flows.service import Preferences
from kiosk.flows.session import SessionChart, SessionSettings
from kiosk.flows.views import ErrorView, GoodbyeView, HomeView, IdleWarningView, MessageView, Step, Text, View
from tests.support import FakeClock, ManualExecutor, StepFlow, StepView, step_flows

SETTINGS = SessionSettings(
    services=("registration", "checkin", "payment", "reports"),
    locale="zh_CN",
    elderly=False,
    idle_s=120,
    idle_warning_s=30,
    max_extensions=10,
    goodbye_s=8,
    error_screen_s=15,
)


@dataclass
class RecordingPresenter:
    views: list[View] = field(default_factory=list)
    overlays: list[View | None] = field(default_factory=list)
    preferences: list[tuple[str, bool]] = field(default_factory=list)

    def show_view(self, view: View) -> None:
        self.views.append(view)

    def show_overlay(self, view: View | None) -> None:
        self.overlays.append(view)

    def apply_preferences(self, locale: str, elderly: bool) -> None:
        self.preferences.append((locale, elderly))

    @property
    def view(self) -> View:
        return self.views[-1]

    @property
    def overlay(self) -> View | None:
        return self.overlays[-1] if self.overlays else None


@dataclass
class Harness:
    runner: FlowRunner
    presenter: RecordingPresenter
    clock: FakeClock
    executor: ManualExecutor

    @property
    def state(self) -> str:
        return str(self.runner.chart.current_state_value)


@pytest.fixture
def kiosk(clock: FakeClock) -> Harness:
    presenter = RecordingPresenter()
    executor = ManualExecutor()
    chart = SessionChart(SETTINGS, step_flows("payment", "reports"), clock)
    runner = FlowRunner(chart, clock, executor, presenter)
    runner.start()
    return Harness(runner, presenter, clock, executor)


def test_starts_at_home_with_only_implemented_services(kiosk: Harness) -> None:
    assert kiosk.state == "home"
    # registration and check-in are configured but have no flow: no tile that leads nowhere
    assert kiosk.presenter.view == HomeView(("payment", "reports"))
    assert kiosk.presenter.preferences == [("zh_CN", False)]


def test_unavailable_service_is_ignored(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("registration"))
    assert kiosk.state == "home"


def test_configured_order_is_kept(clock: FakeClock) -> None:
    settings = SessionSettings(**{**SETTINGS.__dict__, "services": ("reports", "payment")})
    chart = SessionChart(settings, step_flows("payment", "reports", "checkin"), clock)
    assert chart.available == ("reports", "payment")


def test_choosing_a_service_shows_its_first_screen(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    assert kiosk.state == "serving"
    assert kiosk.presenter.view == StepView("payment", 0)
    kiosk.runner.post(FlowEvent("next"))
    assert kiosk.presenter.view == StepView("payment", 1)


def test_idle_warning_then_timeout_wipes_the_session(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    session = kiosk.runner.chart.session
    session.data["patient"] = "someone"
    kiosk.clock.advance(89)
    assert kiosk.state == "serving"
    kiosk.clock.advance(1)  # 120 s idle minus the 30 s warning
    assert kiosk.state == "warning"
    warning = kiosk.presenter.overlay
    assert isinstance(warning, IdleWarningView)
    assert warning.deadline - kiosk.clock.now() == 30  # at least 20 s of warning
    assert warning.extensions_left == 10
    kiosk.clock.advance(30)
    assert kiosk.state == "home"
    assert kiosk.presenter.overlay is None
    assert kiosk.presenter.view == HomeView(("payment", "reports"))
    assert kiosk.runner.chart.session is not session
    assert kiosk.runner.chart.session.data == {}


def test_activity_postpones_the_warning(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.clock.advance(80)
    kiosk.runner.post(UserActivity())
    kiosk.clock.advance(80)
    assert kiosk.state == "serving"
    kiosk.runner.post(FlowEvent("next"))  # a tap inside a flow counts too
    kiosk.clock.advance(89)
    assert kiosk.state == "serving"
    kiosk.clock.advance(1)
    assert kiosk.state == "warning"


def test_touch_outside_the_button_does_not_extend(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.clock.advance(90)
    kiosk.runner.post(UserActivity())
    assert kiosk.state == "warning"
    kiosk.clock.advance(30)
    assert kiosk.state == "home"


def test_more_time_can_be_asked_ten_times_then_the_button_goes(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    for used in range(10):
        kiosk.clock.advance(90)
        warning = kiosk.presenter.overlay
        assert isinstance(warning, IdleWarningView)
        assert warning.extensions_left == 10 - used
        kiosk.clock.advance(29)
        kiosk.runner.post(MoreTimeRequested())
        assert kiosk.state == "serving"
        assert kiosk.presenter.overlay is None
    kiosk.clock.advance(90)
    warning = kiosk.presenter.overlay
    assert isinstance(warning, IdleWarningView)
    assert warning.extensions_left == 0
    kiosk.runner.post(MoreTimeRequested())
    assert kiosk.state == "warning"  # refused: no extensions left
    kiosk.clock.advance(30)
    assert kiosk.state == "home"


def test_home_button_during_warning_ends_the_session(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.clock.advance(90)
    kiosk.runner.post(HomeRequested())
    assert kiosk.state == "home"
    assert kiosk.clock.pending() == 0


def test_finish_shows_goodbye_then_home(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("finish"))
    assert kiosk.state == "goodbye"
    assert kiosk.presenter.view == GoodbyeView(deadline=kiosk.clock.now() + 8)
    kiosk.clock.advance(200)  # no idle warning on the goodbye screen
    assert kiosk.state == "home"
    assert IdleWarningView not in {type(o) for o in kiosk.presenter.overlays}


def test_flow_failure_shows_the_error_with_its_code(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("break"))
    assert kiosk.state == "failed"
    view = kiosk.presenter.view
    assert isinstance(view, ErrorView)
    assert view.code == 2001
    kiosk.clock.advance(15)
    assert kiosk.state == "home"


def test_a_bug_in_a_flow_ends_the_session_instead_of_freezing(kiosk: Harness, caplog) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("crash"))
    assert kiosk.state == "failed"
    view = kiosk.presenter.view
    assert isinstance(view, ErrorView)
    assert view.code == 1200
    assert "flow error" in caplog.text
    kiosk.runner.post(HomeRequested())
    assert kiosk.state == "home"


def test_job_results_reach_the_flow(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("lookup"))
    flow = kiosk.runner.chart.session.flow
    kiosk.executor.run_all()
    assert flow is not None
    assert flow.results == [42]  # type: ignore[attr-defined]


def test_a_late_job_result_never_reaches_the_next_patient(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("lookup"))  # e.g. a slow HIS lookup
    kiosk.runner.post(HomeRequested())  # the patient leaves
    kiosk.runner.post(ServiceChosen("payment"))  # the next patient starts
    kiosk.executor.run_all()  # the old result arrives now
    flow = kiosk.runner.chart.session.flow
    assert flow is not None
    assert flow.results == []  # type: ignore[attr-defined]


def test_stale_timer_events_are_dropped(kiosk: Harness) -> None:
    kiosk.runner.post(ServiceChosen("payment"))
    old = kiosk.runner.chart.session.id
    kiosk.runner.post(HomeRequested())
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(TimerFired("idle", old))
    kiosk.runner.post(JobFinished("lookup", old, result=1))
    assert kiosk.state == "serving"


def test_language_and_elderly_mode_are_per_session(kiosk: Harness) -> None:
    kiosk.runner.post(LocaleChosen("en"))
    kiosk.runner.post(ElderlyModeChosen(True))
    assert kiosk.presenter.preferences[-1] == ("en", True)
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(FlowEvent("finish"))
    kiosk.clock.advance(16)  # the goodbye screen stays twice as long in elderly mode
    assert kiosk.presenter.preferences[-1] == ("zh_CN", False)


def test_the_admin_screen_changes_the_language_sessions_start_in(kiosk: Harness) -> None:
    kiosk.runner.post(DefaultLocaleChanged("en"))
    assert kiosk.presenter.preferences[-1] == ("en", False)  # nobody served: home follows at once
    kiosk.runner.post(LocaleChosen("zh_CN"))
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.runner.post(DefaultLocaleChanged("zh_CN"))
    kiosk.runner.post(DefaultLocaleChanged("en"))
    assert kiosk.presenter.preferences[-1] == ("zh_CN", False)  # the patient's choice stands
    kiosk.runner.post(FlowEvent("finish"))
    kiosk.clock.advance(9)
    assert kiosk.presenter.preferences[-1] == ("en", False)  # the next session starts in English


# -- elderly mode: every time limit doubled -------------------------------------------------------


def _elderly(kiosk: Harness, service: str = "payment") -> StepFlow:
    kiosk.runner.post(ElderlyModeChosen(True))
    kiosk.runner.post(ServiceChosen(service))
    flow = kiosk.runner.chart.session.flow
    assert isinstance(flow, StepFlow)
    return flow


def test_elderly_mode_doubles_the_idle_time_and_its_warning(kiosk: Harness) -> None:
    _elderly(kiosk)
    kiosk.clock.advance(179)  # (120 - 30) x 2 s of quiet before the warning
    assert kiosk.state == "serving"
    kiosk.clock.advance(1)
    assert kiosk.state == "warning"
    warning = kiosk.presenter.overlay
    assert isinstance(warning, IdleWarningView)
    assert warning.deadline - kiosk.clock.now() == 60  # the warning's 30 s, doubled
    kiosk.runner.post(MoreTimeRequested())
    kiosk.clock.advance(179)  # more time gives the doubled time again
    assert kiosk.state == "serving"
    kiosk.clock.advance(1 + 59)
    assert kiosk.state == "warning"
    kiosk.clock.advance(1)
    assert kiosk.state == "home"


def test_elderly_mode_doubles_the_goodbye_and_error_screens(kiosk: Harness) -> None:
    _elderly(kiosk)
    kiosk.runner.post(FlowEvent("finish"))
    goodbye = kiosk.presenter.view
    assert isinstance(goodbye, GoodbyeView)
    assert goodbye.deadline - kiosk.clock.now() == 16
    kiosk.clock.advance(15)
    assert kiosk.state == "goodbye"
    kiosk.clock.advance(1)
    assert kiosk.state == "home"
    _elderly(kiosk)
    kiosk.runner.post(FlowEvent("break"))
    error = kiosk.presenter.view
    assert isinstance(error, ErrorView)
    assert error.deadline - kiosk.clock.now() == 30
    kiosk.clock.advance(29)
    assert kiosk.state == "failed"
    kiosk.clock.advance(1)
    assert kiosk.state == "home"


def test_the_next_patient_has_the_normal_time_limits_again(kiosk: Harness) -> None:
    _elderly(kiosk)
    kiosk.runner.post(HomeRequested())
    assert kiosk.presenter.preferences[-1] == ("zh_CN", False)
    kiosk.runner.post(ServiceChosen("payment"))
    kiosk.clock.advance(90)
    assert kiosk.state == "warning"
    warning = kiosk.presenter.overlay
    assert isinstance(warning, IdleWarningView)
    assert warning.deadline - kiosk.clock.now() == 30


def test_elderly_mode_left_on_the_home_screen_resets_after_twice_the_idle_time(kiosk: Harness) -> None:
    kiosk.runner.post(ElderlyModeChosen(True))
    kiosk.clock.advance(239)
    assert kiosk.presenter.preferences[-1] == ("zh_CN", True)
    kiosk.clock.advance(1)
    assert kiosk.presenter.preferences[-1] == ("zh_CN", False)


def test_the_flow_is_made_with_the_sessions_preferences(kiosk: Harness) -> None:
    assert _elderly(kiosk).preferences == Preferences(elderly=True)
    kiosk.runner.post(HomeRequested())
    kiosk.runner.post(ServiceChosen("reports"))
    flow = kiosk.runner.chart.session.flow
    assert isinstance(flow, StepFlow)
    assert flow.preferences == Preferences(elderly=False)
    assert flow.preferences.page_size == 6
    assert Preferences(elderly=True).page_size == 4


def test_preferences_left_on_the_home_screen_reset_after_the_idle_time(kiosk: Harness) -> None:
    kiosk.runner.post(LocaleChosen("en"))
    kiosk.clock.advance(119)
    assert kiosk.presenter.preferences[-1] == ("en", False)
    kiosk.clock.advance(1)
    assert kiosk.presenter.preferences[-1] == ("zh_CN", False)
    assert kiosk.state == "home"


def test_reentrant_posts_are_queued_in_order(kiosk: Harness) -> None:
    seen: list[str] = []
    presenter = kiosk.presenter

    class Reentrant(RecordingPresenter):
        def show_view(self, view: View) -> None:
            seen.append(type(view).__name__)
            presenter.show_view(view)
            if isinstance(view, StepView) and view.step == 0:
                kiosk.runner.post(FlowEvent("next"))  # a screen reacting synchronously

    kiosk.runner._presenter = Reentrant()
    kiosk.runner.post(ServiceChosen("payment"))
    assert seen == ["StepView", "StepView"]
    assert presenter.view == StepView("payment", 1)


def test_a_flow_left_midway_gets_to_undo_its_work(clock: FakeClock) -> None:
    """Home, idle timeout or a taken card mid-payment: the flow's end() jobs still run."""
    from kiosk.flows.effects import RunJob

    undone: list[str] = []

    class Ending(StepFlow):
        def end(self) -> list[object]:
            return [RunJob("cancel", lambda: undone.append("cancelled")), Show(StepView("x", 9))]

    presenter = RecordingPresenter()
    executor = ManualExecutor()
    chart = SessionChart(SETTINGS, {"payment": Ending}, clock)
    runner = FlowRunner(chart, clock, executor, presenter)
    runner.start()
    runner.post(ServiceChosen("payment"))
    runner.post(HomeRequested())
    executor.run_all()
    assert undone == ["cancelled"]
    assert presenter.view == HomeView(("payment",))  # the flow's screens are not shown any more
    runner.post(ServiceChosen("payment"))
    clock.advance(120)  # the idle timeout ends it too
    executor.run_all()
    assert undone == ["cancelled", "cancelled"]


class Paying(StepFlow):
    """'pay' shows a screen with its own deadline (a payment in progress); 'paid' a normal one."""

    def handle(self, event: Event) -> Sequence[Effect]:
        match event:
            case FlowEvent(name="pay"):
                return [Show(MessageView(STEP, Text("Scan to pay"), timed=False))]
            case FlowEvent(name="paid"):
                return [Show(MessageView(STEP, Text("Paid")))]
        return super().handle(event)


STEP = Step("payment", 3, 4)


def _paying(clock: FakeClock) -> Harness:
    presenter, executor = RecordingPresenter(), ManualExecutor()
    runner = FlowRunner(SessionChart(SETTINGS, {"payment": Paying}, clock), clock, executor, presenter)
    runner.start()
    runner.post(ServiceChosen("payment"))
    return Harness(runner, presenter, clock, executor)


def test_the_idle_timer_waits_while_a_payment_has_its_own_deadline(clock: FakeClock) -> None:
    kiosk = _paying(clock)
    kiosk.clock.advance(60)
    kiosk.runner.post(FlowEvent("pay"))
    kiosk.clock.advance(600)  # the patient is busy with their phone or the card terminal
    assert kiosk.state == "serving"
    assert kiosk.presenter.overlay is None
    kiosk.runner.post(FlowEvent("paid"))  # the payment ended: the usual idle time again
    kiosk.clock.advance(89)
    assert kiosk.state == "serving"
    kiosk.clock.advance(1)
    assert kiosk.state == "warning"


def test_a_card_read_or_scan_in_a_flow_counts_as_activity(clock: FakeClock) -> None:
    kiosk = _paying(clock)
    kiosk.clock.advance(80)
    kiosk.runner.post(QrScanned(DeviceRole.SCANNER, ScanKind.PAYMENT_CODE, "134567"))
    kiosk.clock.advance(80)
    assert kiosk.state == "serving"
    kiosk.clock.advance(10)
    assert kiosk.state == "warning"


def test_a_screen_shown_during_the_warning_does_not_cut_it_short(clock: FakeClock) -> None:
    kiosk = _paying(clock)
    kiosk.clock.advance(90)
    assert kiosk.state == "warning"
    kiosk.runner.chart.handle(JobFinished("late", kiosk.runner.chart.session.id))  # a late result
    kiosk.runner.post(FlowEvent("paid"))  # shows a screen, but the patient has not touched anything
    kiosk.clock.advance(29)
    assert kiosk.state == "warning"
    kiosk.clock.advance(1)
    assert kiosk.state == "home"
