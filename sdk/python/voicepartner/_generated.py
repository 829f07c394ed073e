"""Typed answers of the API, generated from its OpenAPI document by scripts/generate-python-models.py:
do not edit.
Each model keeps the whole answer in `raw` and reads like a mapping too (`job["state"]`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from ._model import Model, timestamp



@dataclass
class Job(Model):
    args: Any
    attempt: int
    cancel_requested: bool
    created_at: datetime
    errors: Any
    id: int
    kind: str
    max_attempts: int
    priority: int
    queue: str
    run_at: datetime
    state: str
    tags: List[str]
    attempted_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    progress: Optional[int] = None
    progress_message: Optional[str] = None
    result: Optional[Any] = None
    trace_id: Optional[str] = None
    workspace_id: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Job":
        return cls(
            args=data["args"],
            attempt=data["attempt"],
            attempted_at=None if data.get("attempted_at") is None else timestamp(data["attempted_at"]),
            cancel_requested=data["cancel_requested"],
            created_at=timestamp(data["created_at"]),
            errors=data["errors"],
            finished_at=None if data.get("finished_at") is None else timestamp(data["finished_at"]),
            id=data["id"],
            kind=data["kind"],
            max_attempts=data["max_attempts"],
            priority=data["priority"],
            progress=data.get("progress"),
            progress_message=data.get("progress_message"),
            queue=data["queue"],
            result=data.get("result"),
            run_at=timestamp(data["run_at"]),
            state=data["state"],
            tags=data["tags"],
            trace_id=data.get("trace_id"),
            workspace_id=data.get("workspace_id"),
            raw=data,
        )


@dataclass
class JobPage(Model):
    items: List[Job]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "JobPage":
        return cls(
            items=[Job.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class BulkResult(Model):
    count: int
    more: bool
    running: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "BulkResult":
        return cls(
            count=data["count"],
            more=data["more"],
            running=data["running"],
            raw=data,
        )


@dataclass
class ActivityMinute(Model):
    average_duration_seconds: float
    average_wait_seconds: float
    cancelled: int
    completed: int
    discarded: int
    minute: datetime
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ActivityMinute":
        return cls(
            average_duration_seconds=data["average_duration_seconds"],
            average_wait_seconds=data["average_wait_seconds"],
            cancelled=data["cancelled"],
            completed=data["completed"],
            discarded=data["discarded"],
            minute=timestamp(data["minute"]),
            raw=data,
        )


@dataclass
class QueueOverviewItem(Model):
    oldest_ready_age_seconds: float
    paused: bool
    queue: str
    ready: int
    running: int
    scheduled: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "QueueOverviewItem":
        return cls(
            oldest_ready_age_seconds=data["oldest_ready_age_seconds"],
            paused=data["paused"],
            queue=data["queue"],
            ready=data["ready"],
            running=data["running"],
            scheduled=data["scheduled"],
            raw=data,
        )


@dataclass
class QueueOverview(Model):
    activity: List[ActivityMinute]
    items: List[QueueOverviewItem]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "QueueOverview":
        return cls(
            activity=[ActivityMinute.from_json(item) for item in data["activity"]],
            items=[QueueOverviewItem.from_json(item) for item in data["items"]],
            raw=data,
        )


@dataclass
class WorkerListItem(Model):
    host: str
    id: str
    last_seen_at: datetime
    pid: int
    queues: Dict[str, int]
    running: int
    started_at: datetime
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WorkerListItem":
        return cls(
            host=data["host"],
            id=data["id"],
            last_seen_at=timestamp(data["last_seen_at"]),
            pid=data["pid"],
            queues=data["queues"],
            running=data["running"],
            started_at=timestamp(data["started_at"]),
            raw=data,
        )


@dataclass
class WorkerList(Model):
    items: List[WorkerListItem]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WorkerList":
        return cls(
            items=[WorkerListItem.from_json(item) for item in data["items"]],
            raw=data,
        )


@dataclass
class Period(Model):
    from_: datetime
    interval: str
    time_zone: str
    to: datetime
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Period":
        return cls(
            from_=timestamp(data["from"]),
            interval=data["interval"],
            time_zone=data["time_zone"],
            to=timestamp(data["to"]),
            raw=data,
        )


@dataclass
class AnalyticsBillingSeries(Model):
    closing_balance: float
    granted: float
    other: float
    start: datetime
    used: float
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsBillingSeries":
        return cls(
            closing_balance=data["closing_balance"],
            granted=data["granted"],
            other=data["other"],
            start=timestamp(data["start"]),
            used=data["used"],
            raw=data,
        )


@dataclass
class AnalyticsBilling(Model):
    adjusted: float
    allowance: float
    balance: float
    closing_balance: float
    daily_usage: float
    granted: float
    opening_balance: float
    period: Period
    refunded: float
    series: List[AnalyticsBillingSeries]
    usage_by_category: Dict[str, float]
    used: float
    days_left: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsBilling":
        return cls(
            adjusted=data["adjusted"],
            allowance=data["allowance"],
            balance=data["balance"],
            closing_balance=data["closing_balance"],
            daily_usage=data["daily_usage"],
            days_left=data.get("days_left"),
            granted=data["granted"],
            opening_balance=data["opening_balance"],
            period=Period.from_json(data["period"]),
            refunded=data["refunded"],
            series=[AnalyticsBillingSeries.from_json(item) for item in data["series"]],
            usage_by_category=data["usage_by_category"],
            used=data["used"],
            raw=data,
        )


@dataclass
class FailureReason(Model):
    count: int
    reason: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "FailureReason":
        return cls(
            count=data["count"],
            reason=data["reason"],
            raw=data,
        )


@dataclass
class Percentiles(Model):
    average: float
    p50: float
    p90: float
    p95: float
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Percentiles":
        return cls(
            average=data["average"],
            p50=data["p50"],
            p90=data["p90"],
            p95=data["p95"],
            raw=data,
        )


@dataclass
class AnalyticsPerformanceAssistantConversations(Model):
    conversations: int
    failed_turns: int
    failure_reasons: List[FailureReason]
    tool_calls: int
    turns: int
    latency_ms: Optional[Percentiles] = None
    turns_per_conversation: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsPerformanceAssistantConversations":
        return cls(
            conversations=data["conversations"],
            failed_turns=data["failed_turns"],
            failure_reasons=[FailureReason.from_json(item) for item in data["failure_reasons"]],
            latency_ms=None if data.get("latency_ms") is None else Percentiles.from_json(data["latency_ms"]),
            tool_calls=data["tool_calls"],
            turns=data["turns"],
            turns_per_conversation=data.get("turns_per_conversation"),
            raw=data,
        )


@dataclass
class AnalyticsPerformanceAssistant(Model):
    answered: int
    calls: int
    completed: int
    id: str
    name: str
    answer_rate: Optional[float] = None
    average_seconds: Optional[float] = None
    conversations: Optional[AnalyticsPerformanceAssistantConversations] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsPerformanceAssistant":
        return cls(
            answer_rate=data.get("answer_rate"),
            answered=data["answered"],
            average_seconds=data.get("average_seconds"),
            calls=data["calls"],
            completed=data["completed"],
            conversations=None if data.get("conversations") is None else AnalyticsPerformanceAssistantConversations.from_json(data["conversations"]),
            id=data["id"],
            name=data["name"],
            raw=data,
        )


@dataclass
class AnalyticsPerformanceCalls(Model):
    answered: int
    completed: int
    failure_reasons: List[FailureReason]
    total: int
    unsuccessful: int
    answer_rate: Optional[float] = None
    completion_rate: Optional[float] = None
    duration_seconds: Optional[Percentiles] = None
    time_to_answer_seconds: Optional[Percentiles] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsPerformanceCalls":
        return cls(
            answer_rate=data.get("answer_rate"),
            answered=data["answered"],
            completed=data["completed"],
            completion_rate=data.get("completion_rate"),
            duration_seconds=None if data.get("duration_seconds") is None else Percentiles.from_json(data["duration_seconds"]),
            failure_reasons=[FailureReason.from_json(item) for item in data["failure_reasons"]],
            time_to_answer_seconds=None if data.get("time_to_answer_seconds") is None else Percentiles.from_json(data["time_to_answer_seconds"]),
            total=data["total"],
            unsuccessful=data["unsuccessful"],
            raw=data,
        )


@dataclass
class AnalyticsPerformanceJob(Model):
    average_attempts: float
    cancelled: int
    completed: int
    discarded: int
    kind: str
    pending: int
    total: int
    run_seconds: Optional[Percentiles] = None
    success_rate: Optional[float] = None
    wait_seconds: Optional[Percentiles] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsPerformanceJob":
        return cls(
            average_attempts=data["average_attempts"],
            cancelled=data["cancelled"],
            completed=data["completed"],
            discarded=data["discarded"],
            kind=data["kind"],
            pending=data["pending"],
            run_seconds=None if data.get("run_seconds") is None else Percentiles.from_json(data["run_seconds"]),
            success_rate=data.get("success_rate"),
            total=data["total"],
            wait_seconds=None if data.get("wait_seconds") is None else Percentiles.from_json(data["wait_seconds"]),
            raw=data,
        )


@dataclass
class AnalyticsPerformance(Model):
    assistants: List[AnalyticsPerformanceAssistant]
    calls: AnalyticsPerformanceCalls
    jobs: List[AnalyticsPerformanceJob]
    period: Period
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsPerformance":
        return cls(
            assistants=[AnalyticsPerformanceAssistant.from_json(item) for item in data["assistants"]],
            calls=AnalyticsPerformanceCalls.from_json(data["calls"]),
            jobs=[AnalyticsPerformanceJob.from_json(item) for item in data["jobs"]],
            period=Period.from_json(data["period"]),
            raw=data,
        )


@dataclass
class AnalyticsRealtimeCall(Model):
    created_at: datetime
    direction: str
    id: str
    status: str
    answered_at: Optional[datetime] = None
    assistant_id: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsRealtimeCall":
        return cls(
            answered_at=None if data.get("answered_at") is None else timestamp(data["answered_at"]),
            assistant_id=data.get("assistant_id"),
            created_at=timestamp(data["created_at"]),
            direction=data["direction"],
            id=data["id"],
            status=data["status"],
            raw=data,
        )


@dataclass
class AnalyticsRealtimeJobs(Model):
    ready: int
    running: int
    scheduled: int
    oldest_ready_seconds: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsRealtimeJobs":
        return cls(
            oldest_ready_seconds=data.get("oldest_ready_seconds"),
            ready=data["ready"],
            running=data["running"],
            scheduled=data["scheduled"],
            raw=data,
        )


@dataclass
class AnalyticsRealtimeLastFiveMinutes(Model):
    calls_ended: int
    calls_started: int
    jobs_completed: int
    jobs_failed: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsRealtimeLastFiveMinutes":
        return cls(
            calls_ended=data["calls_ended"],
            calls_started=data["calls_started"],
            jobs_completed=data["jobs_completed"],
            jobs_failed=data["jobs_failed"],
            raw=data,
        )


@dataclass
class AnalyticsRealtimeLastHour(Model):
    calls_started: int
    jobs_completed: int
    jobs_failed: int
    start: datetime
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsRealtimeLastHour":
        return cls(
            calls_started=data["calls_started"],
            jobs_completed=data["jobs_completed"],
            jobs_failed=data["jobs_failed"],
            start=timestamp(data["start"]),
            raw=data,
        )


@dataclass
class AnalyticsRealtime(Model):
    balance: float
    calls: List[AnalyticsRealtimeCall]
    generated_at: datetime
    jobs: AnalyticsRealtimeJobs
    last_five_minutes: AnalyticsRealtimeLastFiveMinutes
    last_hour: List[AnalyticsRealtimeLastHour]
    live_calls: int
    live_calls_by_status: Dict[str, int]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsRealtime":
        return cls(
            balance=data["balance"],
            calls=[AnalyticsRealtimeCall.from_json(item) for item in data["calls"]],
            generated_at=timestamp(data["generated_at"]),
            jobs=AnalyticsRealtimeJobs.from_json(data["jobs"]),
            last_five_minutes=AnalyticsRealtimeLastFiveMinutes.from_json(data["last_five_minutes"]),
            last_hour=[AnalyticsRealtimeLastHour.from_json(item) for item in data["last_hour"]],
            live_calls=data["live_calls"],
            live_calls_by_status=data["live_calls_by_status"],
            raw=data,
        )


@dataclass
class AnalyticsSummaryCalls(Model):
    answered: int
    by_status: Dict[str, int]
    cost_credits: float
    inbound: int
    outbound: int
    seconds: int
    total: int
    answer_rate: Optional[float] = None
    average_seconds: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummaryCalls":
        return cls(
            answer_rate=data.get("answer_rate"),
            answered=data["answered"],
            average_seconds=data.get("average_seconds"),
            by_status=data["by_status"],
            cost_credits=data["cost_credits"],
            inbound=data["inbound"],
            outbound=data["outbound"],
            seconds=data["seconds"],
            total=data["total"],
            raw=data,
        )


@dataclass
class AnalyticsSummaryCredits(Model):
    adjusted: float
    balance: float
    granted: float
    refunded: float
    used: float
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummaryCredits":
        return cls(
            adjusted=data["adjusted"],
            balance=data["balance"],
            granted=data["granted"],
            refunded=data["refunded"],
            used=data["used"],
            raw=data,
        )


@dataclass
class AnalyticsSummaryFiles(Model):
    failed: int
    uploaded: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummaryFiles":
        return cls(
            failed=data["failed"],
            uploaded=data["uploaded"],
            raw=data,
        )


@dataclass
class AnalyticsSummaryJobs(Model):
    by_state: Dict[str, int]
    total: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummaryJobs":
        return cls(
            by_state=data["by_state"],
            total=data["total"],
            raw=data,
        )


@dataclass
class AnalyticsSummarySeries(Model):
    answered: int
    calls: int
    credits_used: float
    jobs: int
    seconds: int
    start: datetime
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummarySeries":
        return cls(
            answered=data["answered"],
            calls=data["calls"],
            credits_used=data["credits_used"],
            jobs=data["jobs"],
            seconds=data["seconds"],
            start=timestamp(data["start"]),
            raw=data,
        )


@dataclass
class AnalyticsSummary(Model):
    calls: AnalyticsSummaryCalls
    credits: AnalyticsSummaryCredits
    emails_sent: int
    files: AnalyticsSummaryFiles
    jobs: AnalyticsSummaryJobs
    period: Period
    series: List[AnalyticsSummarySeries]
    transcribed_seconds: float
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AnalyticsSummary":
        return cls(
            calls=AnalyticsSummaryCalls.from_json(data["calls"]),
            credits=AnalyticsSummaryCredits.from_json(data["credits"]),
            emails_sent=data["emails_sent"],
            files=AnalyticsSummaryFiles.from_json(data["files"]),
            jobs=AnalyticsSummaryJobs.from_json(data["jobs"]),
            period=Period.from_json(data["period"]),
            series=[AnalyticsSummarySeries.from_json(item) for item in data["series"]],
            transcribed_seconds=data["transcribed_seconds"],
            raw=data,
        )


@dataclass
class Assistant(Model):
    created_at: datetime
    description: str
    first_message: str
    id: str
    interruption_sensitivity: float
    language: str
    llm_model: str
    llm_provider: str
    max_tokens: int
    name: str
    record_calls: bool
    response_delay_ms: int
    silence_timeout_ms: int
    status: str
    system_prompt: str
    temperature: float
    updated_at: datetime
    version: int
    voice_id: str
    voice_provider: str
    deployed_at: Optional[datetime] = None
    transfer_number: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Assistant":
        return cls(
            created_at=timestamp(data["created_at"]),
            deployed_at=None if data.get("deployed_at") is None else timestamp(data["deployed_at"]),
            description=data["description"],
            first_message=data["first_message"],
            id=data["id"],
            interruption_sensitivity=data["interruption_sensitivity"],
            language=data["language"],
            llm_model=data["llm_model"],
            llm_provider=data["llm_provider"],
            max_tokens=data["max_tokens"],
            name=data["name"],
            record_calls=data["record_calls"],
            response_delay_ms=data["response_delay_ms"],
            silence_timeout_ms=data["silence_timeout_ms"],
            status=data["status"],
            system_prompt=data["system_prompt"],
            temperature=data["temperature"],
            transfer_number=data.get("transfer_number"),
            updated_at=timestamp(data["updated_at"]),
            version=data["version"],
            voice_id=data["voice_id"],
            voice_provider=data["voice_provider"],
            raw=data,
        )


@dataclass
class AssistantPage(Model):
    items: List[Assistant]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantPage":
        return cls(
            items=[Assistant.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class Turn(Model):
    action: str
    assistant_text: str
    created_at: datetime
    input_tokens: int
    interrupted: bool
    outcome: str
    output_tokens: int
    sequence: int
    tool_calls: Any
    caller_confidence: Optional[float] = None
    caller_text: Optional[str] = None
    failure_reason: Optional[str] = None
    first_audio_ms: Optional[int] = None
    first_token_ms: Optional[int] = None
    heard_text: Optional[str] = None
    latency_ms: Optional[int] = None
    model: Optional[str] = None
    transcription_ms: Optional[int] = None
    voice_to_voice_ms: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Turn":
        return cls(
            action=data["action"],
            assistant_text=data["assistant_text"],
            caller_confidence=data.get("caller_confidence"),
            caller_text=data.get("caller_text"),
            created_at=timestamp(data["created_at"]),
            failure_reason=data.get("failure_reason"),
            first_audio_ms=data.get("first_audio_ms"),
            first_token_ms=data.get("first_token_ms"),
            heard_text=data.get("heard_text"),
            input_tokens=data["input_tokens"],
            interrupted=data["interrupted"],
            latency_ms=data.get("latency_ms"),
            model=data.get("model"),
            outcome=data["outcome"],
            output_tokens=data["output_tokens"],
            sequence=data["sequence"],
            tool_calls=data["tool_calls"],
            transcription_ms=data.get("transcription_ms"),
            voice_to_voice_ms=data.get("voice_to_voice_ms"),
            raw=data,
        )


@dataclass
class Conversation(Model):
    greeting: str
    id: str
    status: str
    turns: List[Turn]
    assistant_version: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Conversation":
        return cls(
            assistant_version=data.get("assistant_version"),
            greeting=data["greeting"],
            id=data["id"],
            status=data["status"],
            turns=[Turn.from_json(item) for item in data["turns"]],
            raw=data,
        )


@dataclass
class ConversationReply(Model):
    action: str
    reply: str
    turn: Turn
    transfer_to: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ConversationReply":
        return cls(
            action=data["action"],
            reply=data["reply"],
            transfer_to=data.get("transfer_to"),
            turn=Turn.from_json(data["turn"]),
            raw=data,
        )


@dataclass
class AssistantLinksData(Model):
    id: str
    name: str
    enabled: Optional[bool] = None
    status: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantLinksData":
        return cls(
            enabled=data.get("enabled"),
            id=data["id"],
            name=data["name"],
            status=data.get("status"),
            raw=data,
        )


@dataclass
class AssistantLinks(Model):
    data: List[AssistantLinksData]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantLinks":
        return cls(
            data=[AssistantLinksData.from_json(item) for item in data["data"]],
            raw=data,
        )


@dataclass
class AssistantVersionListDataSettings(Model):
    description: str
    first_message: str
    interruption_sensitivity: float
    language: str
    llm_model: str
    llm_provider: str
    max_tokens: int
    name: str
    record_calls: bool
    response_delay_ms: int
    silence_timeout_ms: int
    system_prompt: str
    temperature: float
    voice_id: str
    voice_provider: str
    transfer_number: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantVersionListDataSettings":
        return cls(
            description=data["description"],
            first_message=data["first_message"],
            interruption_sensitivity=data["interruption_sensitivity"],
            language=data["language"],
            llm_model=data["llm_model"],
            llm_provider=data["llm_provider"],
            max_tokens=data["max_tokens"],
            name=data["name"],
            record_calls=data["record_calls"],
            response_delay_ms=data["response_delay_ms"],
            silence_timeout_ms=data["silence_timeout_ms"],
            system_prompt=data["system_prompt"],
            temperature=data["temperature"],
            transfer_number=data.get("transfer_number"),
            voice_id=data["voice_id"],
            voice_provider=data["voice_provider"],
            raw=data,
        )


@dataclass
class AssistantVersionListData(Model):
    created_at: datetime
    file_ids: List[str]
    settings: AssistantVersionListDataSettings
    tool_ids: List[str]
    version: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantVersionListData":
        return cls(
            created_at=timestamp(data["created_at"]),
            file_ids=data["file_ids"],
            settings=AssistantVersionListDataSettings.from_json(data["settings"]),
            tool_ids=data["tool_ids"],
            version=data["version"],
            raw=data,
        )


@dataclass
class AssistantVersionList(Model):
    data: List[AssistantVersionListData]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AssistantVersionList":
        return cls(
            data=[AssistantVersionListData.from_json(item) for item in data["data"]],
            raw=data,
        )


@dataclass
class CallTranscript(Model):
    text: str
    language: Optional[str] = None
    seconds: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CallTranscript":
        return cls(
            language=data.get("language"),
            seconds=data.get("seconds"),
            text=data["text"],
            raw=data,
        )


@dataclass
class Call(Model):
    created_at: datetime
    direction: str
    from_: str
    id: str
    record: bool
    status: str
    to: str
    answered_at: Optional[datetime] = None
    assistant_id: Optional[str] = None
    cost: Optional[float] = None
    duration_seconds: Optional[int] = None
    ended_at: Optional[datetime] = None
    job_id: Optional[int] = None
    provider_call_sid: Optional[str] = None
    provider_error_code: Optional[int] = None
    recording_url: Optional[str] = None
    status_reason: Optional[str] = None
    transcript: Optional[CallTranscript] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Call":
        return cls(
            answered_at=None if data.get("answered_at") is None else timestamp(data["answered_at"]),
            assistant_id=data.get("assistant_id"),
            cost=data.get("cost"),
            created_at=timestamp(data["created_at"]),
            direction=data["direction"],
            duration_seconds=data.get("duration_seconds"),
            ended_at=None if data.get("ended_at") is None else timestamp(data["ended_at"]),
            from_=data["from"],
            id=data["id"],
            job_id=data.get("job_id"),
            provider_call_sid=data.get("provider_call_sid"),
            provider_error_code=data.get("provider_error_code"),
            record=data["record"],
            recording_url=data.get("recording_url"),
            status=data["status"],
            status_reason=data.get("status_reason"),
            to=data["to"],
            transcript=None if data.get("transcript") is None else CallTranscript.from_json(data["transcript"]),
            raw=data,
        )


@dataclass
class CallPage(Model):
    items: List[Call]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CallPage":
        return cls(
            items=[Call.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class OutboundCall(Model):
    call: Call
    duplicate: bool
    job_id: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "OutboundCall":
        return cls(
            call=Call.from_json(data["call"]),
            duplicate=data["duplicate"],
            job_id=data["job_id"],
            raw=data,
        )


@dataclass
class TranscriptAnalysis(Model):
    outcome: str
    sentiment: str
    summary: str
    follow_up: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "TranscriptAnalysis":
        return cls(
            follow_up=data.get("follow_up"),
            outcome=data["outcome"],
            sentiment=data["sentiment"],
            summary=data["summary"],
            raw=data,
        )


@dataclass
class Transcript(Model):
    call_id: str
    greeting: str
    status: str
    turns: List[Turn]
    analysis: Optional[TranscriptAnalysis] = None
    assistant_version: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Transcript":
        return cls(
            analysis=None if data.get("analysis") is None else TranscriptAnalysis.from_json(data["analysis"]),
            assistant_version=data.get("assistant_version"),
            call_id=data["call_id"],
            greeting=data["greeting"],
            status=data["status"],
            turns=[Turn.from_json(item) for item in data["turns"]],
            raw=data,
        )


@dataclass
class CreditAccount(Model):
    allowance: float
    balance: float
    warning_thresholds: List[int]
    crossed_threshold: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CreditAccount":
        return cls(
            allowance=data["allowance"],
            balance=data["balance"],
            crossed_threshold=data.get("crossed_threshold"),
            warning_thresholds=data["warning_thresholds"],
            raw=data,
        )


@dataclass
class LedgerEntry(Model):
    balance_after: float
    created_at: datetime
    credits: float
    description: str
    id: int
    kind: str
    reference: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "LedgerEntry":
        return cls(
            balance_after=data["balance_after"],
            created_at=timestamp(data["created_at"]),
            credits=data["credits"],
            description=data["description"],
            id=data["id"],
            kind=data["kind"],
            reference=data.get("reference"),
            raw=data,
        )


@dataclass
class LedgerPage(Model):
    items: List[LedgerEntry]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "LedgerPage":
        return cls(
            items=[LedgerEntry.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class EmailCampaign(Model):
    chunks: int
    created_at: datetime
    id: str
    name: str
    state: str
    template: str
    total: int
    completed_at: Optional[datetime] = None
    counts: Optional[Dict[str, int]] = None
    job_id: Optional[int] = None
    progress: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EmailCampaign":
        return cls(
            chunks=data["chunks"],
            completed_at=None if data.get("completed_at") is None else timestamp(data["completed_at"]),
            counts=data.get("counts"),
            created_at=timestamp(data["created_at"]),
            id=data["id"],
            job_id=data.get("job_id"),
            name=data["name"],
            progress=data.get("progress"),
            state=data["state"],
            template=data["template"],
            total=data["total"],
            raw=data,
        )


@dataclass
class CampaignPage(Model):
    items: List[EmailCampaign]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "CampaignPage":
        return cls(
            items=[EmailCampaign.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class EmailTemplateListItem(Model):
    built_in: bool
    customized: bool
    name: str
    updated_at: Optional[datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EmailTemplateListItem":
        return cls(
            built_in=data["built_in"],
            customized=data["customized"],
            name=data["name"],
            updated_at=None if data.get("updated_at") is None else timestamp(data["updated_at"]),
            raw=data,
        )


@dataclass
class EmailTemplateList(Model):
    items: List[EmailTemplateListItem]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EmailTemplateList":
        return cls(
            items=[EmailTemplateListItem.from_json(item) for item in data["items"]],
            raw=data,
        )


@dataclass
class EmailTemplateDetails(Model):
    html: str
    name: str
    source: str
    subject: str
    text: str
    variables: List[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "EmailTemplateDetails":
        return cls(
            html=data["html"],
            name=data["name"],
            source=data["source"],
            subject=data["subject"],
            text=data["text"],
            variables=data["variables"],
            raw=data,
        )


@dataclass
class RenderedEmail(Model):
    html: str
    subject: str
    text: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "RenderedEmail":
        return cls(
            html=data["html"],
            subject=data["subject"],
            text=data["text"],
            raw=data,
        )


@dataclass
class File(Model):
    content_type: str
    created_at: datetime
    format: str
    id: str
    name: str
    sha256: str
    size_bytes: int
    status: str
    truncated: bool
    assistant_id: Optional[str] = None
    characters: Optional[int] = None
    job_id: Optional[int] = None
    pages: Optional[int] = None
    processed_at: Optional[datetime] = None
    status_reason: Optional[str] = None
    text: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "File":
        return cls(
            assistant_id=data.get("assistant_id"),
            characters=data.get("characters"),
            content_type=data["content_type"],
            created_at=timestamp(data["created_at"]),
            format=data["format"],
            id=data["id"],
            job_id=data.get("job_id"),
            name=data["name"],
            pages=data.get("pages"),
            processed_at=None if data.get("processed_at") is None else timestamp(data["processed_at"]),
            sha256=data["sha256"],
            size_bytes=data["size_bytes"],
            status=data["status"],
            status_reason=data.get("status_reason"),
            text=data.get("text"),
            truncated=data["truncated"],
            raw=data,
        )


@dataclass
class FilePage(Model):
    items: List[File]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "FilePage":
        return cls(
            items=[File.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class Workspace(Model):
    created_at: datetime
    description: str
    id: str
    name: str
    updated_at: datetime
    role: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Workspace":
        return cls(
            created_at=timestamp(data["created_at"]),
            description=data["description"],
            id=data["id"],
            name=data["name"],
            role=data.get("role"),
            updated_at=timestamp(data["updated_at"]),
            raw=data,
        )


@dataclass
class Enqueued(Model):
    duplicate: bool
    id: int
    state: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Enqueued":
        return cls(
            duplicate=data["duplicate"],
            id=data["id"],
            state=data["state"],
            raw=data,
        )


@dataclass
class JobActivity(Model):
    minutes: List[ActivityMinute]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "JobActivity":
        return cls(
            minutes=[ActivityMinute.from_json(item) for item in data["minutes"]],
            raw=data,
        )


@dataclass
class RetriedJobs(Model):
    kind: str
    retried: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "RetriedJobs":
        return cls(
            kind=data["kind"],
            retried=data["retried"],
            raw=data,
        )


@dataclass
class User(Model):
    created_at: datetime
    email: str
    first_name: str
    id: str
    last_name: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "User":
        return cls(
            created_at=timestamp(data["created_at"]),
            email=data["email"],
            first_name=data["first_name"],
            id=data["id"],
            last_name=data["last_name"],
            raw=data,
        )


@dataclass
class PersonalDataRequest(Model):
    created_at: datetime
    id: str
    kind: str
    state: str
    completed_at: Optional[datetime] = None
    error: Optional[str] = None
    expires_at: Optional[datetime] = None
    job_id: Optional[int] = None
    size_bytes: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PersonalDataRequest":
        return cls(
            completed_at=None if data.get("completed_at") is None else timestamp(data["completed_at"]),
            created_at=timestamp(data["created_at"]),
            error=data.get("error"),
            expires_at=None if data.get("expires_at") is None else timestamp(data["expires_at"]),
            id=data["id"],
            job_id=data.get("job_id"),
            kind=data["kind"],
            size_bytes=data.get("size_bytes"),
            state=data["state"],
            raw=data,
        )


@dataclass
class PhoneNumber(Model):
    created_at: datetime
    id: str
    label: str
    number: str
    provider: str
    provider_status: str
    updated_at: datetime
    assistant_id: Optional[str] = None
    provider_error: Optional[str] = None
    provider_sid: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "PhoneNumber":
        return cls(
            assistant_id=data.get("assistant_id"),
            created_at=timestamp(data["created_at"]),
            id=data["id"],
            label=data["label"],
            number=data["number"],
            provider=data["provider"],
            provider_error=data.get("provider_error"),
            provider_sid=data.get("provider_sid"),
            provider_status=data["provider_status"],
            updated_at=timestamp(data["updated_at"]),
            raw=data,
        )


@dataclass
class AvailablePhoneNumbersData(Model):
    number: str
    country: Optional[str] = None
    locality: Optional[str] = None
    region: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AvailablePhoneNumbersData":
        return cls(
            country=data.get("country"),
            locality=data.get("locality"),
            number=data["number"],
            region=data.get("region"),
            raw=data,
        )


@dataclass
class AvailablePhoneNumbers(Model):
    data: List[AvailablePhoneNumbersData]
    price_credits: float
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AvailablePhoneNumbers":
        return cls(
            data=[AvailablePhoneNumbersData.from_json(item) for item in data["data"]],
            price_credits=data["price_credits"],
            raw=data,
        )


@dataclass
class ScheduleListItem(Model):
    catch_up: str
    enabled: bool
    expression: str
    kind: str
    name: str
    source: str
    time_zone: str
    last_job_id: Optional[int] = None
    last_job_state: Optional[str] = None
    last_run: Optional[datetime] = None
    next_run: Optional[datetime] = None
    queue: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ScheduleListItem":
        return cls(
            catch_up=data["catch_up"],
            enabled=data["enabled"],
            expression=data["expression"],
            kind=data["kind"],
            last_job_id=data.get("last_job_id"),
            last_job_state=data.get("last_job_state"),
            last_run=None if data.get("last_run") is None else timestamp(data["last_run"]),
            name=data["name"],
            next_run=None if data.get("next_run") is None else timestamp(data["next_run"]),
            queue=data.get("queue"),
            source=data["source"],
            time_zone=data["time_zone"],
            raw=data,
        )


@dataclass
class ToolDetailsAuth(Model):
    secret_set: bool
    settings: Dict[str, str]
    type: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolDetailsAuth":
        return cls(
            secret_set=data["secret_set"],
            settings=data["settings"],
            type=data["type"],
            raw=data,
        )


@dataclass
class ToolDetailsResponse(Model):
    fields: List[str]
    max_bytes: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolDetailsResponse":
        return cls(
            fields=data["fields"],
            max_bytes=data["max_bytes"],
            raw=data,
        )


@dataclass
class ToolDetails(Model):
    auth: ToolDetailsAuth
    category: str
    created_at: datetime
    description: str
    enabled: bool
    id: str
    method: str
    name: str
    parameters: Any
    response: ToolDetailsResponse
    timeout_ms: int
    updated_at: datetime
    url: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolDetails":
        return cls(
            auth=ToolDetailsAuth.from_json(data["auth"]),
            category=data["category"],
            created_at=timestamp(data["created_at"]),
            description=data["description"],
            enabled=data["enabled"],
            id=data["id"],
            method=data["method"],
            name=data["name"],
            parameters=data["parameters"],
            response=ToolDetailsResponse.from_json(data["response"]),
            timeout_ms=data["timeout_ms"],
            updated_at=timestamp(data["updated_at"]),
            url=data["url"],
            raw=data,
        )


@dataclass
class ToolPage(Model):
    items: List[ToolDetails]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolPage":
        return cls(
            items=[ToolDetails.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class ToolInvocation(Model):
    duplicate: bool
    job_id: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolInvocation":
        return cls(
            duplicate=data["duplicate"],
            job_id=data["job_id"],
            raw=data,
        )


@dataclass
class ToolTestResultViolation(Model):
    path: str
    problem: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolTestResultViolation":
        return cls(
            path=data["path"],
            problem=data["problem"],
            raw=data,
        )


@dataclass
class ToolTestResult(Model):
    ok: bool
    outcome: str
    truncated: bool
    bytes: Optional[int] = None
    error: Optional[str] = None
    latency_ms: Optional[int] = None
    response: Optional[Any] = None
    status: Optional[int] = None
    violations: Optional[List[ToolTestResultViolation]] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolTestResult":
        return cls(
            bytes=data.get("bytes"),
            error=data.get("error"),
            latency_ms=data.get("latency_ms"),
            ok=data["ok"],
            outcome=data["outcome"],
            response=data.get("response"),
            status=data.get("status"),
            truncated=data["truncated"],
            violations=None if data.get("violations") is None else [ToolTestResultViolation.from_json(item) for item in data["violations"]],
            raw=data,
        )


@dataclass
class ToolUsageSeries(Model):
    calls: int
    failures: int
    start: datetime
    average_latency_ms: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolUsageSeries":
        return cls(
            average_latency_ms=data.get("average_latency_ms"),
            calls=data["calls"],
            failures=data["failures"],
            start=timestamp(data["start"]),
            raw=data,
        )


@dataclass
class ToolUsage(Model):
    by_outcome: Dict[str, int]
    by_source: Dict[str, int]
    calls: int
    period: Period
    series: List[ToolUsageSeries]
    average_bytes: Optional[float] = None
    average_latency_ms: Optional[float] = None
    last_called_at: Optional[datetime] = None
    p50_latency_ms: Optional[float] = None
    p95_latency_ms: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "ToolUsage":
        return cls(
            average_bytes=data.get("average_bytes"),
            average_latency_ms=data.get("average_latency_ms"),
            by_outcome=data["by_outcome"],
            by_source=data["by_source"],
            calls=data["calls"],
            last_called_at=None if data.get("last_called_at") is None else timestamp(data["last_called_at"]),
            p50_latency_ms=data.get("p50_latency_ms"),
            p95_latency_ms=data.get("p95_latency_ms"),
            period=Period.from_json(data["period"]),
            series=[ToolUsageSeries.from_json(item) for item in data["series"]],
            raw=data,
        )


@dataclass
class WebhookEndpoint(Model):
    consecutive_failures: int
    created_at: datetime
    description: str
    enabled: bool
    events: List[str]
    id: str
    updated_at: datetime
    url: str
    disabled_at: Optional[datetime] = None
    disabled_reason: Optional[str] = None
    secret: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WebhookEndpoint":
        return cls(
            consecutive_failures=data["consecutive_failures"],
            created_at=timestamp(data["created_at"]),
            description=data["description"],
            disabled_at=None if data.get("disabled_at") is None else timestamp(data["disabled_at"]),
            disabled_reason=data.get("disabled_reason"),
            enabled=data["enabled"],
            events=data["events"],
            id=data["id"],
            secret=data.get("secret"),
            updated_at=timestamp(data["updated_at"]),
            url=data["url"],
            raw=data,
        )


@dataclass
class WebhookList(Model):
    items: List[WebhookEndpoint]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WebhookList":
        return cls(
            items=[WebhookEndpoint.from_json(item) for item in data["items"]],
            raw=data,
        )


@dataclass
class WebhookEventTypes(Model):
    events: List[str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "WebhookEventTypes":
        return cls(
            events=data["events"],
            raw=data,
        )


@dataclass
class DeliveryLog(Model):
    attempt: int
    created_at: datetime
    error: Optional[str] = None
    latency_ms: Optional[int] = None
    response_excerpt: Optional[str] = None
    status_code: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "DeliveryLog":
        return cls(
            attempt=data["attempt"],
            created_at=timestamp(data["created_at"]),
            error=data.get("error"),
            latency_ms=data.get("latency_ms"),
            response_excerpt=data.get("response_excerpt"),
            status_code=data.get("status_code"),
            raw=data,
        )


@dataclass
class DeliveryPayload(Model):
    created_at: datetime
    data: Dict[str, Any]
    id: str
    type: str
    workspace_id: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "DeliveryPayload":
        return cls(
            created_at=timestamp(data["created_at"]),
            data=data["data"],
            id=data["id"],
            type=data["type"],
            workspace_id=data["workspace_id"],
            raw=data,
        )


@dataclass
class Delivery(Model):
    attempts: int
    created_at: datetime
    event_id: str
    event_type: str
    id: int
    log: List[DeliveryLog]
    payload: DeliveryPayload
    state: str
    delivered_at: Optional[datetime] = None
    job_id: Optional[int] = None
    last_error: Optional[str] = None
    last_status: Optional[int] = None
    next_attempt_at: Optional[datetime] = None
    redelivery_of: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Delivery":
        return cls(
            attempts=data["attempts"],
            created_at=timestamp(data["created_at"]),
            delivered_at=None if data.get("delivered_at") is None else timestamp(data["delivered_at"]),
            event_id=data["event_id"],
            event_type=data["event_type"],
            id=data["id"],
            job_id=data.get("job_id"),
            last_error=data.get("last_error"),
            last_status=data.get("last_status"),
            log=[DeliveryLog.from_json(item) for item in data["log"]],
            next_attempt_at=None if data.get("next_attempt_at") is None else timestamp(data["next_attempt_at"]),
            payload=DeliveryPayload.from_json(data["payload"]),
            redelivery_of=data.get("redelivery_of"),
            state=data["state"],
            raw=data,
        )


@dataclass
class DeliveryPage(Model):
    items: List[Delivery]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "DeliveryPage":
        return cls(
            items=[Delivery.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class QueuedDelivery(Model):
    delivery_id: int
    job_id: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "QueuedDelivery":
        return cls(
            delivery_id=data["delivery_id"],
            job_id=data["job_id"],
            raw=data,
        )


@dataclass
class APIKey(Model):
    created_at: datetime
    id: str
    name: str
    prefix: str
    scopes: List[str]
    key: Optional[str] = None
    last_used_at: Optional[datetime] = None
    revoked_at: Optional[datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "APIKey":
        return cls(
            created_at=timestamp(data["created_at"]),
            id=data["id"],
            key=data.get("key"),
            last_used_at=None if data.get("last_used_at") is None else timestamp(data["last_used_at"]),
            name=data["name"],
            prefix=data["prefix"],
            revoked_at=None if data.get("revoked_at") is None else timestamp(data["revoked_at"]),
            scopes=data["scopes"],
            raw=data,
        )


@dataclass
class AuditEntry(Model):
    action: str
    created_at: datetime
    details: Any
    id: int
    resource_type: str
    actor_key_id: Optional[str] = None
    actor_user_id: Optional[str] = None
    ip: Optional[str] = None
    resource_id: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AuditEntry":
        return cls(
            action=data["action"],
            actor_key_id=data.get("actor_key_id"),
            actor_user_id=data.get("actor_user_id"),
            created_at=timestamp(data["created_at"]),
            details=data["details"],
            id=data["id"],
            ip=data.get("ip"),
            resource_id=data.get("resource_id"),
            resource_type=data["resource_type"],
            raw=data,
        )


@dataclass
class AuditPage(Model):
    items: List[AuditEntry]
    next_cursor: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "AuditPage":
        return cls(
            items=[AuditEntry.from_json(item) for item in data["items"]],
            next_cursor=data.get("next_cursor"),
            raw=data,
        )


@dataclass
class Invite(Model):
    created_at: datetime
    email: str
    expires_at: datetime
    id: str
    role: str
    workspace_id: str
    token: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Invite":
        return cls(
            created_at=timestamp(data["created_at"]),
            email=data["email"],
            expires_at=timestamp(data["expires_at"]),
            id=data["id"],
            role=data["role"],
            token=data.get("token"),
            workspace_id=data["workspace_id"],
            raw=data,
        )


@dataclass
class Member(Model):
    email: str
    first_name: str
    joined_at: datetime
    last_name: str
    role: str
    user_id: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Member":
        return cls(
            email=data["email"],
            first_name=data["first_name"],
            joined_at=timestamp(data["joined_at"]),
            last_name=data["last_name"],
            role=data["role"],
            user_id=data["user_id"],
            raw=data,
        )


@dataclass
class MemberList(Model):
    invites: List[Invite]
    members: List[Member]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "MemberList":
        return cls(
            invites=[Invite.from_json(item) for item in data["invites"]],
            members=[Member.from_json(item) for item in data["members"]],
            raw=data,
        )


@dataclass
class Accepted(Model):
    message: str
    status: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Accepted":
        return cls(
            message=data["message"],
            status=data["status"],
            raw=data,
        )


@dataclass
class TokenPair(Model):
    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str
    user: User
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "TokenPair":
        return cls(
            access_token=data["access_token"],
            expires_in=data["expires_in"],
            refresh_token=data["refresh_token"],
            token_type=data["token_type"],
            user=User.from_json(data["user"]),
            raw=data,
        )


@dataclass
class Health(Model):
    database: str
    redis: str
    status: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Health":
        return cls(
            database=data["database"],
            redis=data["redis"],
            status=data["status"],
            raw=data,
        )

#: (method, path template) -> (model, whether the answer is a list of it), for every operation answering JSON.
ANSWERS = {
    ("GET", "/api/admin/jobs"): ("JobPage", False),
    ("POST", "/api/admin/jobs/cancel"): ("BulkResult", False),
    ("POST", "/api/admin/jobs/retry"): ("BulkResult", False),
    ("GET", "/api/admin/queues"): ("QueueOverview", False),
    ("GET", "/api/admin/workers"): ("WorkerList", False),
    ("GET", "/api/analytics/billing"): ("AnalyticsBilling", False),
    ("GET", "/api/analytics/performance"): ("AnalyticsPerformance", False),
    ("GET", "/api/analytics/realtime"): ("AnalyticsRealtime", False),
    ("GET", "/api/analytics/summary"): ("AnalyticsSummary", False),
    ("GET", "/api/assistants"): ("AssistantPage", False),
    ("POST", "/api/assistants"): ("Assistant", False),
    ("GET", "/api/assistants/{assistant}"): ("Assistant", False),
    ("PUT", "/api/assistants/{assistant}"): ("Assistant", False),
    ("POST", "/api/assistants/{assistant}/conversations"): ("Conversation", False),
    ("GET", "/api/assistants/{assistant}/conversations/{conversation}"): ("Conversation", False),
    ("POST", "/api/assistants/{assistant}/conversations/{conversation}/turns"): ("ConversationReply", False),
    ("POST", "/api/assistants/{assistant}/deploy"): ("Assistant", False),
    ("GET", "/api/assistants/{assistant}/files"): ("AssistantLinks", False),
    ("PUT", "/api/assistants/{assistant}/files"): ("AssistantLinks", False),
    ("GET", "/api/assistants/{assistant}/tools"): ("AssistantLinks", False),
    ("PUT", "/api/assistants/{assistant}/tools"): ("AssistantLinks", False),
    ("GET", "/api/assistants/{assistant}/versions"): ("AssistantVersionList", False),
    ("POST", "/api/assistants/{assistant}/versions/{version}/rollback"): ("Assistant", False),
    ("GET", "/api/calls/history"): ("CallPage", False),
    ("POST", "/api/calls/outbound"): ("OutboundCall", False),
    ("POST", "/api/calls/{call}/end"): ("Call", False),
    ("GET", "/api/calls/{call}/status"): ("Call", False),
    ("GET", "/api/calls/{call}/transcript"): ("Transcript", False),
    ("GET", "/api/credits"): ("CreditAccount", False),
    ("POST", "/api/credits/grants"): ("LedgerEntry", False),
    ("GET", "/api/credits/ledger"): ("LedgerPage", False),
    ("PUT", "/api/credits/settings"): ("CreditAccount", False),
    ("GET", "/api/email/campaigns"): ("CampaignPage", False),
    ("POST", "/api/email/campaigns"): ("EmailCampaign", False),
    ("GET", "/api/email/campaigns/{campaign}"): ("EmailCampaign", False),
    ("POST", "/api/email/campaigns/{campaign}/cancel"): ("EmailCampaign", False),
    ("GET", "/api/email/templates"): ("EmailTemplateList", False),
    ("GET", "/api/email/templates/{template}"): ("EmailTemplateDetails", False),
    ("PUT", "/api/email/templates/{template}"): ("EmailTemplateDetails", False),
    ("POST", "/api/email/templates/{template}/preview"): ("RenderedEmail", False),
    ("GET", "/api/files"): ("FilePage", False),
    ("POST", "/api/files"): ("File", False),
    ("GET", "/api/files/{file}"): ("File", False),
    ("POST", "/api/invites/accept"): ("Workspace", False),
    ("GET", "/api/jobs"): ("JobPage", False),
    ("POST", "/api/jobs"): ("Enqueued", False),
    ("GET", "/api/jobs/activity"): ("JobActivity", False),
    ("POST", "/api/jobs/retry-discarded"): ("RetriedJobs", False),
    ("GET", "/api/jobs/{job}"): ("Job", False),
    ("POST", "/api/jobs/{job}/cancel"): ("Job", False),
    ("POST", "/api/jobs/{job}/retry"): ("Job", False),
    ("GET", "/api/me"): ("User", False),
    ("POST", "/api/me/delete"): ("PersonalDataRequest", False),
    ("POST", "/api/me/export"): ("PersonalDataRequest", False),
    ("GET", "/api/me/exports/{export}"): ("PersonalDataRequest", False),
    ("GET", "/api/phone-numbers"): ("PhoneNumber", True),
    ("POST", "/api/phone-numbers"): ("PhoneNumber", False),
    ("GET", "/api/phone-numbers/available"): ("AvailablePhoneNumbers", False),
    ("POST", "/api/phone-numbers/purchase"): ("PhoneNumber", False),
    ("GET", "/api/phone-numbers/{number}"): ("PhoneNumber", False),
    ("PUT", "/api/phone-numbers/{number}"): ("PhoneNumber", False),
    ("GET", "/api/schedules"): ("ScheduleListItem", True),
    ("GET", "/api/tools"): ("ToolPage", False),
    ("POST", "/api/tools"): ("ToolDetails", False),
    ("GET", "/api/tools/{tool}"): ("ToolDetails", False),
    ("PUT", "/api/tools/{tool}"): ("ToolDetails", False),
    ("POST", "/api/tools/{tool}/invoke"): ("ToolInvocation", False),
    ("POST", "/api/tools/{tool}/test"): ("ToolTestResult", False),
    ("GET", "/api/tools/{tool}/usage"): ("ToolUsage", False),
    ("GET", "/api/webhooks"): ("WebhookList", False),
    ("POST", "/api/webhooks"): ("WebhookEndpoint", False),
    ("GET", "/api/webhooks/events"): ("WebhookEventTypes", False),
    ("GET", "/api/webhooks/{webhook}"): ("WebhookEndpoint", False),
    ("PUT", "/api/webhooks/{webhook}"): ("WebhookEndpoint", False),
    ("GET", "/api/webhooks/{webhook}/deliveries"): ("DeliveryPage", False),
    ("POST", "/api/webhooks/{webhook}/deliveries/{delivery}/redeliver"): ("QueuedDelivery", False),
    ("POST", "/api/webhooks/{webhook}/ping"): ("QueuedDelivery", False),
    ("POST", "/api/webhooks/{webhook}/rotate-secret"): ("WebhookEndpoint", False),
    ("GET", "/api/workspaces"): ("Workspace", True),
    ("POST", "/api/workspaces"): ("Workspace", False),
    ("GET", "/api/workspaces/{workspace}"): ("Workspace", False),
    ("PUT", "/api/workspaces/{workspace}"): ("Workspace", False),
    ("GET", "/api/workspaces/{workspace}/api-keys"): ("APIKey", True),
    ("POST", "/api/workspaces/{workspace}/api-keys"): ("APIKey", False),
    ("GET", "/api/workspaces/{workspace}/audit"): ("AuditPage", False),
    ("GET", "/api/workspaces/{workspace}/members"): ("MemberList", False),
    ("POST", "/api/workspaces/{workspace}/members"): ("Invite", False),
    ("POST", "/auth/forgot-password"): ("Accepted", False),
    ("POST", "/auth/login"): ("TokenPair", False),
    ("POST", "/auth/refresh"): ("TokenPair", False),
    ("POST", "/auth/register"): ("TokenPair", False),
    ("GET", "/health"): ("Health", False),
    ("GET", "/health/live"): ("Health", False),
    ("GET", "/health/ready"): ("Health", False),
}

__all__ = [
    "APIKey",
    "Accepted",
    "ActivityMinute",
    "AnalyticsBilling",
    "AnalyticsBillingSeries",
    "AnalyticsPerformance",
    "AnalyticsPerformanceAssistant",
    "AnalyticsPerformanceAssistantConversations",
    "AnalyticsPerformanceCalls",
    "AnalyticsPerformanceJob",
    "AnalyticsRealtime",
    "AnalyticsRealtimeCall",
    "AnalyticsRealtimeJobs",
    "AnalyticsRealtimeLastFiveMinutes",
    "AnalyticsRealtimeLastHour",
    "AnalyticsSummary",
    "AnalyticsSummaryCalls",
    "AnalyticsSummaryCredits",
    "AnalyticsSummaryFiles",
    "AnalyticsSummaryJobs",
    "AnalyticsSummarySeries",
    "Assistant",
    "AssistantLinks",
    "AssistantLinksData",
    "AssistantPage",
    "AssistantVersionList",
    "AssistantVersionListData",
    "AssistantVersionListDataSettings",
    "AuditEntry",
    "AuditPage",
    "AvailablePhoneNumbers",
    "AvailablePhoneNumbersData",
    "BulkResult",
    "Call",
    "CallPage",
    "CallTranscript",
    "CampaignPage",
    "Conversation",
    "ConversationReply",
    "CreditAccount",
    "Delivery",
    "DeliveryLog",
    "DeliveryPage",
    "DeliveryPayload",
    "EmailCampaign",
    "EmailTemplateDetails",
    "EmailTemplateList",
    "EmailTemplateListItem",
    "Enqueued",
    "FailureReason",
    "File",
    "FilePage",
    "Health",
    "Invite",
    "Job",
    "JobActivity",
    "JobPage",
    "LedgerEntry",
    "LedgerPage",
    "Member",
    "MemberList",
    "OutboundCall",
    "Percentiles",
    "Period",
    "PersonalDataRequest",
    "PhoneNumber",
    "QueueOverview",
    "QueueOverviewItem",
    "QueuedDelivery",
    "RenderedEmail",
    "RetriedJobs",
    "ScheduleListItem",
    "TokenPair",
    "ToolDetails",
    "ToolDetailsAuth",
    "ToolDetailsResponse",
    "ToolInvocation",
    "ToolPage",
    "ToolTestResult",
    "ToolTestResultViolation",
    "ToolUsage",
    "ToolUsageSeries",
    "Transcript",
    "TranscriptAnalysis",
    "Turn",
    "User",
    "WebhookEndpoint",
    "WebhookEventTypes",
    "WebhookList",
    "WorkerList",
    "WorkerListItem",
    "Workspace",
]
