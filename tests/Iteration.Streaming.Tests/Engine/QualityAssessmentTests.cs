using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class QualityAssessmentTests
{
    [Fact]
    public async Task TheDefaultAssessment_RidesOnTheCompletedEvent()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.Phase.Number == 1
            ? [GeneratedFile.FromText("README.md", "hello"), GeneratedFile.FromText("empty.txt", ""), GeneratedFile.FromText("Docs.md", "a"), GeneratedFile.FromText("guide.md", "b"), GeneratedFile.FromText("lib.txt", "file"), GeneratedFile.FromText("lib/inner.txt", "x")]
            : [];

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var completed = (await harness.ReadToEndAsync(id))[^1];

        completed.Status.Should().Be(GenerationStatus.Completed);
        var quality = completed.PartialOutput!["quality"];
        quality.GetProperty("file_count").GetInt32().Should().Be(6);
        quality.GetProperty("total_bytes").GetInt64().Should().Be(12);
        // Case and file/folder clashes never reach a manifest any more (the sink refuses them), so none are reported.
        quality.GetProperty("passed").GetBoolean().Should().BeFalse();
        quality.GetProperty("empty_files").EnumerateArray().Select(e => e.GetString()).Should().Equal("empty.txt");
        quality.GetProperty("duplicate_paths").EnumerateArray().Should().BeEmpty();
        quality.GetProperty("issues").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task ACleanRun_Passes()
    {
        await using var harness = EngineHarness.Create();

        var id = await harness.CompleteGenerationAsync("User");
        var quality = (await harness.ReadToEndAsync(id))[^1].PartialOutput!["quality"];

        quality.GetProperty("passed").GetBoolean().Should().BeTrue();
        quality.GetProperty("issues").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task ACustomAssessor_IsUsed()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddQualityAssessor<ScoringAssessor>());

        var id = await harness.CompleteGenerationAsync();

        (await harness.ReadToEndAsync(id))[^1].PartialOutput!["score"].GetInt32().Should().Be(12);
    }

    [Fact]
    public async Task AnAssessorThatThrows_FailsTheRunAtQualityAssessment()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddQualityAssessor<ThrowingAssessor>());

        var id = await harness.Engine.StartAsync(new GenerationRequest("x"));
        var events = await harness.ReadToEndAsync(id);

        events[^2].Stage.Should().Be(GenerationStages.QualityAssessment);
        events[^1].Error.Should().StartWith("An internal error stopped the generation. Reference: ").And.NotContain("linter crashed");
        (await harness.Sink.GetManifestAsync(id))!.IsComplete.Should().BeTrue("the files were finalised before the assessment");
    }

    private sealed class ScoringAssessor : IQualityAssessor
    {
        public ValueTask<IReadOnlyDictionary<string, JsonElement>?> AssessAsync(QualityAssessmentContext context, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyDictionary<string, JsonElement>?>(new Dictionary<string, JsonElement>
            {
                ["score"] = JsonSerializer.SerializeToElement(context.Files.Files.Count),
            });
    }

    private sealed class ThrowingAssessor : IQualityAssessor
    {
        public ValueTask<IReadOnlyDictionary<string, JsonElement>?> AssessAsync(QualityAssessmentContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("linter crashed");
    }
}
