using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>The sample's OpenTelemetry wiring, read with the SDK's in-memory exporters during a real run.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task ARun_IsExportedAsARunSpanWithPhaseSpans_AndAsMetrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var runSpans = new RunSpanSignal();
        await using var server = await SampleServer.StartAsync(configure: builder =>
        {
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans).AddProcessor(runSpans));
            builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.PostAsJsonAsync("/generations", new StartGenerationRequest { Prompt = "A todo app", Entities = ["Task"] }, IterationStreamingJson.StartGenerationRequest);
        var started = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        await server.WaitForTerminalEventAsync(started.GenerationId);
        await runSpans.EndedAsync(started.GenerationId).WithPatience();
        server.Services.GetRequiredService<TracerProvider>().ForceFlush().Should().BeTrue();
        server.Services.GetRequiredService<MeterProvider>().ForceFlush().Should().BeTrue();

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        Activity[] exported;
        lock (spans)
        {
            exported = [.. spans];
        }

        var run = exported.Should().ContainSingle(a => a.OperationName == "generation.run" && (string?)a.GetTagItem("iteration.streaming.generation.id") == started.GenerationId).Subject;
        run.Source.Name.Should().Be(IterationStreamingTelemetry.ActivitySourceName);
        run.Status.Should().Be(ActivityStatusCode.Ok);
        run.GetTagItem("iteration.streaming.generation.status").Should().Be(GenerationStatus.Completed);
        exported.Where(a => a.OperationName == "generation.phase" && a.ParentSpanId == run.SpanId).Should().HaveCountGreaterThan(1);

        // The provider listens to every meter of that name in the process (other tests' hosts too): look at all of them.
        var ours = metrics.Where(m => m.MeterName == IterationStreamingTelemetry.MeterName).ToList();
        ours.Select(m => m.Name).Should().Contain([
            "iteration.streaming.runs.started", "iteration.streaming.runs.ended", "iteration.streaming.run.duration",
            "iteration.streaming.phase.duration", "iteration.streaming.runs.active"]);
        ours.Where(m => m.Name == "iteration.streaming.runs.ended").SelectMany(Tags)
            .Should().Contain(t => t.Key == "iteration.streaming.generation.status" && (string?)t.Value == GenerationStatus.Completed);
        ours.Where(m => m.Name == "iteration.streaming.run.duration").Should().OnlyContain(m => m.Unit == "s");
    }

    [Theory]
    [InlineData("zipkin")]
    [InlineData("console;otlp")]
    [InlineData("../../etc/passwd")]
    public async Task Exporter_NotOneOfNoneConsoleOtlp_FailsAtStartNamingTheSetting(string exporter)
    {
        var start = () => SampleServer.StartAsync(settings: $"--Telemetry:Exporter={exporter}");

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Telemetry:Exporter");
    }

    /// <summary>Completes when a run's span has ended, so the test waits on the span itself rather than on the run's events.</summary>
    private sealed class RunSpanSignal : BaseProcessor<Activity>
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _ended = new(StringComparer.Ordinal);

        public Task EndedAsync(string generationId) => Signal(generationId).Task;

        public override void OnEnd(Activity data)
        {
            if (data.OperationName == "generation.run" && data.GetTagItem("iteration.streaming.generation.id") is string id)
            {
                Signal(id).TrySetResult();
            }
        }

        private TaskCompletionSource Signal(string id) =>
            _ended.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static List<KeyValuePair<string, object?>> Tags(Metric metric)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                tags.Add(tag);
            }
        }

        return tags;
    }
}
