using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class PhaseProgressTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static EngineHarness With(IPhaseGenerator generator, Action<Iteration.Streaming.Hosting.IterationStreamingOptions>? configure = null) =>
        EngineHarness.Create(configure: configure, build: b =>
        {
            b.Services.RemoveAll<IPhaseGenerator>();
            b.AddPhaseGenerator(_ => generator);
        });

    [Fact]
    public async Task ReportAsync_AppendsAProgressEventNamingTheFileBeingWritten_WithoutCountingAFile()
    {
        await using var harness = With(new LiveGenerator());

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        var live = events.Where(e => e.Message.StartsWith("Writing ", StringComparison.Ordinal)).ToList();
        live.Should().HaveCount(6, "two reports in each of the three phases");
        live[0].Stage.Should().Be("phase_1_progress");
        live[0].CurrentFile.Should().Be("src/live.txt");
        live[0].PartialOutput!["chars"].GetInt32().Should().Be(10);
        live[0].PhaseInfo!.FilesGenerated.Should().BeNull();
        events.Single(e => e.Stage == "phase_1_complete").Message.Should().Be("Phase 1 complete: Generated 1 core infrastructure file");
        events.Select(e => e.Progress).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task AddUsage_IsSummedOnEachPhaseCompleteAndOnCompleted()
    {
        await using var harness = With(new LiveGenerator());

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        var phase1 = events.Single(e => e.Stage == "phase_1_complete").PartialOutput!["usage"];
        phase1.GetProperty("input_tokens").GetInt64().Should().Be(110);
        phase1.GetProperty("output_tokens").GetInt64().Should().Be(22);
        var total = events[^1].PartialOutput!["usage"];
        total.GetProperty("input_tokens").GetInt64().Should().Be(330);
        total.GetProperty("output_tokens").GetInt64().Should().Be(66);
        events[^1].PartialOutput.Should().ContainKey("quality", "the quality summary stays beside the usage");
    }

    [Fact]
    public async Task APartialOutputOverTheLimit_FailsTheRunNamingTheSetting()
    {
        await using var harness = With(new LiveGenerator(padding: 100), o => o.MaxPartialOutputBytes = 64);

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().Contain("MaxPartialOutputBytes");
    }

    [Fact]
    public async Task AReportNamingAHostilePath_FailsTheRun()
    {
        await using var harness = With(new LiveGenerator(path: "../escape.txt"));

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Status.Should().Be(GenerationStatus.Failed);
        failed.Error.Should().StartWith("The generated file path '");
    }

    [Fact]
    public async Task APhaseOverMaxPhaseBytes_FailsNamingTheSetting_AndSavesNothingOfIt()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxPhaseBytes = 100);
        harness.Generator.Files = context => context.Phase.Number == 2
            ? [GeneratedFile.FromText("a.txt", new string('a', 60)), GeneratedFile.FromText("b.txt", new string('b', 60))]
            : [GeneratedFile.FromText($"p{context.Phase.Number}.txt", "small")];

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var failed = (await harness.ReadToEndAsync(id))[^1];

        failed.Error.Should().Contain("MaxPhaseBytes");
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal("p1.txt");
    }

    private sealed class LiveGenerator(string path = "src/live.txt", int padding = 0) : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var pad = new string('x', padding);
            await context.Progress.ReportAsync(path, new Dictionary<string, JsonElement> { ["file"] = Json($"\"{path}\""), ["chars"] = Json("10"), ["pad"] = Json($"\"{pad}\"") }, cancellationToken);
            context.Progress.AddUsage(100, 20);
            await context.Progress.ReportAsync(path, new Dictionary<string, JsonElement> { ["file"] = Json($"\"{path}\""), ["chars"] = Json("25") }, cancellationToken);
            context.Progress.AddUsage(10, 2);
            yield return GeneratedFile.FromText(path, "content of the live file");
        }
    }
}
