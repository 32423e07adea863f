using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>The run's wording comes from <see cref="IterationStreamingMessages"/>, which a host replaces.</summary>
public sealed class MessagesTests
{
    private static readonly IterationStreamingMessages Default = new();

    private static GenerationRecord Generation(GenerationModeAssignment? mode = null, string? parent = null) => new()
    {
        GenerationId = "g",
        Prompt = "Build a todo app",
        Entities = [],
        Status = GenerationStatus.Processing,
        CreatedAt = DateTimeOffset.UnixEpoch,
        Mode = mode ?? GenerationModeAssignment.Unconfigured,
        ParentGenerationId = parent,
    };

    [Fact]
    public async Task AHostsReplacement_WordsEveryEventOfTheRun()
    {
        await using var harness = EngineHarness.Create(build: b => b.Services.AddSingleton<IterationStreamingMessages, FrenchMessages>());

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[0].Message.Should().Be("Démarrage de la génération...");
        events.Single(e => e.Stage == "phase_2_started").Message.Should().Be("Phase 2 commencée : User Entity");
        events.Where(e => e.Stage == "phase_2_progress").Select(e => e.Message).Should().OnlyContain(m => m.StartsWith("Généré ", StringComparison.Ordinal));
        events[^1].Message.Should().Be("Génération terminée : 16 fichiers");
    }

    [Fact]
    public async Task WithModesConfigured_TheWordingAndTheEventsNameTheMode()
    {
        await using var harness = EngineHarness.Create(build: b => b.ConfigureGenerationModes(o => o.EnhancedShare = 1.0));

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        events[0].Message.Should().Be("Starting enhanced generation...");
        events[1].Message.Should().Be("Generating code using enhanced AI pipeline...");
        events.Should().OnlyContain(e => e.GenerationMode == GenerationModes.Enhanced);
    }

    [Fact]
    public void Failed_WithoutModes_SaysGenerationFailed_AndKeepsTheReasonsOwnFullStop()
    {
        var reason = Default.InternalError(null, "abc123");

        var message = Default.Failed(Generation(), reason);

        message.Should().Be("Generation failed: An internal error stopped the generation. Reference: abc123.");
        message.Should().NotContain("..");
    }

    [Fact]
    public void Failed_WithAModeReported_NamesIt()
    {
        Default.Failed(Generation(new GenerationModeAssignment(GenerationModes.Classic)), "x").Should().Be("Classic generation failed: x");
    }

    [Theory]
    [InlineData(1, 1, "⚠️ Warning: Expected ~1 file, got 1. Some parent files may be missing.")]
    [InlineData(14, 12, "⚠️ Warning: Expected ~14 files, got 12. Some parent files may be missing.")]
    public void DataLossWarning_CountsFilesInTheSingularAndPlural(int parent, int now, string expected)
    {
        Default.DataLossWarning(parent, now).Should().Be(expected);
    }

    [Fact]
    public void Completed_WithOneFile_SaysFile()
    {
        Default.Completed(Generation(), 1).Should().Be("Generation completed successfully with 1 file");
    }

    [Fact]
    public void Resumed_ForARetry_DoesNotRepeatTheInitializingMessage()
    {
        var retry = Generation() with { RetryOf = "old" };

        var starting = Default.Starting(retry);
        var resumed = Default.Resumed(retry, ResumeReason.Retry, phasesKept: 1, filesKept: 1, totalPhases: 4);

        starting.Should().Be("Retrying generation old...");
        resumed.Should().Be("Phase 1 of generation old kept (1 file), continuing with phase 2");
    }

    [Fact]
    public async Task Dispose_OfAnEngineThatRanNothing_LogsNoKeptToResumeLine()
    {
        var logs = new FakeLogCollector();
        var harness = EngineHarness.Create(build: b => b.Services.AddLogging(l => l.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs))));
        _ = harness.Engine;

        await harness.DisposeAsync();

        logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1110);
    }

    private sealed class FrenchMessages : IterationStreamingMessages
    {
        public override string Starting(GenerationRecord generation) => "Démarrage de la génération...";

        public override string PhaseStarted(PlannedPhase phase) => $"Phase {phase.Number} commencée : {phase.Name}";

        public override string FileGenerated(string path) => "Généré " + path;

        public override string Completed(GenerationRecord generation, int fileCount) => $"Génération terminée : {fileCount} fichiers";
    }
}
