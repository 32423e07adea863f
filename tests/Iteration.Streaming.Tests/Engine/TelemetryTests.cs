using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Tests.Engine;

public sealed class TelemetryTests
{
    private readonly TestMeterFactory _meters = new();

    private EngineHarness Create(Action<Streaming.Hosting.IterationStreamingOptions>? configure = null) =>
        EngineHarness.Create(configure: configure, build: b => b.Services.AddSingleton<IMeterFactory>(_meters));

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(_meters, IterationStreamingDiagnostics.Name, instrument);

    [Fact]
    public async Task ACompletedRun_CountsStartedAndEndedCompleted_AndLeavesNoActiveRun()
    {
        await using var harness = Create();
        using var started = Collect<long>(EngineMetrics.RunsStartedName);
        using var ended = Collect<long>(EngineMetrics.RunsEndedName);
        using var active = Collect<long>(EngineMetrics.ActiveRunsName);
        using var phases = Collect<double>(EngineMetrics.PhaseDurationName);
        using var durations = Collect<double>(EngineMetrics.RunDurationName);

        await harness.CompleteGenerationAsync("User");

        started.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(1);
        var outcome = ended.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        outcome.Tags[TelemetryTags.GenerationStatus].Should().Be(GenerationStatus.Completed);
        outcome.Tags.Should().NotContainKey(TelemetryTags.ErrorType);
        active.GetMeasurementSnapshot().Select(m => m.Value).Should().Equal(1, -1);
        phases.GetMeasurementSnapshot().Should().HaveCount(4).And.Contain(m => (string?)m.Tags[TelemetryTags.PhaseKind] == "Entity");
        durations.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags[TelemetryTags.GenerationStatus].Should().Be(GenerationStatus.Completed);
        started.LastMeasurement!.Tags[TelemetryTags.GenerationMode].Should().Be(GenerationModes.Classic);
    }

    [Fact]
    public async Task AFailedRun_EndsWithStatusFailed_AndItsStageAsErrorType()
    {
        await using var harness = Create();
        using var ended = Collect<long>(EngineMetrics.RunsEndedName);
        harness.Generator.Files = _ => throw new InvalidOperationException("boom");

        await harness.ReadToEndAsync(await harness.Engine.StartAsync(new GenerationRequest("x")));

        var outcome = ended.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        outcome.Tags[TelemetryTags.GenerationStatus].Should().Be(GenerationStatus.Failed);
        outcome.Tags[TelemetryTags.ErrorType].Should().Be(GenerationStages.Error);
    }

    [Fact]
    public async Task ACancelledRun_EndsWithStatusCancelled()
    {
        await using var harness = Create();
        using var ended = Collect<long>(EngineMetrics.RunsEndedName);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        await harness.Engine.CancelAsync(id);
        await harness.ReadToEndAsync(id);

        ended.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags[TelemetryTags.GenerationStatus].Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task TokensAGeneratorReports_AreCountedOnceByGenAiTokenType()
    {
        await using var harness = Create();
        using var tokens = Collect<long>(EngineMetrics.TokensName);
        harness.Generator.Files = context =>
        {
            context.Progress.AddUsage(100, 20);
            return [Streaming.Files.GeneratedFile.FromText($"p{context.Phase.Number}.txt", "x")];
        };

        await harness.CompleteGenerationAsync();

        var measurements = tokens.GetMeasurementSnapshot();
        measurements.Where(m => (string?)m.Tags[TelemetryTags.TokenType] == "input").Sum(m => m.Value).Should().Be(300, "three phases of 100");
        measurements.Where(m => (string?)m.Tags[TelemetryTags.TokenType] == "output").Sum(m => m.Value).Should().Be(60);
        measurements.Should().OnlyContain(m => (string?)m.Tags[TelemetryTags.GenerationMode] == GenerationModes.Classic);
    }

    [Fact]
    public void TelemetryNames_ArePublicAndTheOnesTheEngineUses()
    {
        IterationStreamingTelemetry.MeterName.Should().Be("Iteration.Streaming");
        IterationStreamingTelemetry.ActivitySourceName.Should().Be(IterationStreamingDiagnostics.ActivitySource.Name);
        using var metrics = new EngineMetrics(_meters);
        metrics.Meter.Name.Should().Be(IterationStreamingTelemetry.MeterName);
    }

    [Fact]
    public async Task QueuedRuns_AreCountedWhileTheyWait()
    {
        await using var harness = Create(o => o.MaxConcurrentGenerations = 1);
        using var queued = Collect<long>(EngineMetrics.QueuedRunsName);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var first = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var second = await harness.Engine.StartAsync(new GenerationRequest("y"));
        var waiting = queued.GetMeasurementSnapshot().EvaluateAsCounter();

        gate.Release();
        await harness.ReadToEndAsync(first);
        await harness.ReadToEndAsync(second);

        waiting.Should().Be(1);
        queued.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(0);
    }

    [Fact]
    public async Task EachRun_HasASpan_WithAChildSpanPerPhase_AttributedInTheLibraryNamespace()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = ListenToActivities(activities);
        await using var harness = Create();

        var id = await harness.CompleteGenerationAsync("User");

        var run = activities.Single(a => a.OperationName == "generation.run" && (string?)a.GetTagItem("iteration.streaming.generation.id") == id);
        var phases = activities.Where(a => a.OperationName == "generation.phase" && (string?)a.GetTagItem("iteration.streaming.generation.id") == id).ToArray();
        run.GetTagItem("iteration.streaming.generation.status").Should().Be(GenerationStatus.Completed);
        run.GetTagItem("iteration.streaming.generation.mode").Should().Be(GenerationModes.Classic);
        run.GetTagItem("error.type").Should().BeNull();
        run.Status.Should().Be(ActivityStatusCode.Ok);
        run.Parent.Should().BeNull("a run outlives the request that started it");
        phases.Should().HaveCount(4).And.OnlyContain(p => p.ParentSpanId == run.SpanId);
        phases.Select(p => p.GetTagItem("iteration.streaming.phase.name")).Should().BeEquivalentTo(new object[] { "Core Infrastructure", "User Entity", "Support Files", "Main Application" });
        phases.Select(p => p.GetTagItem("iteration.streaming.phase.number")).Should().BeEquivalentTo(new object[] { 1, 2, 3, 4 });
        phases.Should().Contain(p => (string?)p.GetTagItem("iteration.streaming.phase.kind") == "Entity");
        phases.Should().OnlyContain(p => p.GetTagItem("iteration.streaming.phase.files_generated") is int);
        activities.SelectMany(a => a.TagObjects).Select(t => t.Key)
            .Should().OnlyContain(k => k.StartsWith("iteration.streaming.", StringComparison.Ordinal) || k == "error.type");
    }

    [Fact]
    public async Task AFailedRun_HasAnErrorSpan_WithItsStageAsErrorType()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = ListenToActivities(activities);
        await using var harness = Create();
        harness.Generator.Files = _ => throw new InvalidOperationException("boom");

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await harness.ReadToEndAsync(id);

        var run = activities.Single(a => a.OperationName == "generation.run" && (string?)a.GetTagItem("iteration.streaming.generation.id") == id);
        run.Status.Should().Be(ActivityStatusCode.Error);
        run.GetTagItem("iteration.streaming.generation.status").Should().Be(GenerationStatus.Failed);
        run.GetTagItem("error.type").Should().Be(GenerationStages.Error);
    }

    [Fact]
    public async Task ACancelledRun_HasASpan_WithTheCancelReason()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = ListenToActivities(activities);
        await using var harness = Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        await harness.Engine.CancelAsync(id);
        await harness.ReadToEndAsync(id);

        var run = activities.Single(a => a.OperationName == "generation.run" && (string?)a.GetTagItem("iteration.streaming.generation.id") == id);
        run.GetTagItem("iteration.streaming.generation.status").Should().Be(GenerationStatus.Cancelled);
        run.GetTagItem("iteration.streaming.generation.cancel_reason").Should().Be("User");
        run.GetTagItem("error.type").Should().BeNull();
    }

    [Fact]
    public async Task AnInternalFailure_LogsAnErrorWithTheExceptionAndTheReference_AndNeverTheFileContents()
    {
        var logs = new FakeLogCollector();
        await using var harness = EngineHarness.Create(build: b => b.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        harness.Generator.Files = context => context.Phase.Number == 2
            ? throw new InvalidOperationException("model overloaded")
            : [Streaming.Files.GeneratedFile.FromText("secret.txt", "TOP-SECRET-CONTENT")];

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await harness.ReadToEndAsync(id);

        var events = await harness.ReadToEndAsync(id);
        var failure = logs.GetSnapshot().Single(r => r.Id.Id == 1113);
        failure.Level.Should().Be(LogLevel.Error);
        failure.Exception!.Message.Should().Be("model overloaded");
        failure.Message.Should().Contain(id);
        var reference = events[^1].Error![^13..^1];
        failure.Message.Should().Contain(reference, "the reference the user sees finds the log entry");
        logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1101).And.Contain(r => r.Id.Id == 1103);
        logs.GetSnapshot().Should().NotContain(r => r.Message.Contains("TOP-SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutAMeterFactory_TheEngineOwnsItsMeter()
    {
        using var metrics = new EngineMetrics();

        metrics.Meter.Name.Should().Be("Iteration.Streaming");
    }

    private static ActivityListener ListenToActivities(ConcurrentBag<Activity> activities)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IterationStreamingDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
