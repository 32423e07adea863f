using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// The chat-client generator as a host registers it (<c>AddChatClientGenerator</c>), over a
/// <see cref="ScriptedChatClient"/>, the in-memory sink, a fake clock and a test meter factory; runs one phase at a time.
/// </summary>
public sealed class GeneratorHarness : IAsyncDisposable
{
    public static readonly IReadOnlyList<PlannedPhase> DefaultPlan =
    [
        new(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: 5),
        new(2, "User Entity", PhaseKind.Entity, "User", 4),
        new(3, "Support Files", PhaseKind.SupportFiles, EstimatedFileCount: 3),
        new(4, "Main Application", PhaseKind.MainApplication, EstimatedFileCount: 2),
    ];

    private readonly List<AsyncServiceScope> _scopes = [];

    public GeneratorHarness(Action<ChatClientGeneratorOptions>? configure = null, Microsoft.Extensions.AI.IChatClient? chatClient = null, FakeTimeProvider? clock = null)
    {
        Clock = clock ?? new FakeTimeProvider(TestEvents.Epoch);
        Progress = new RecordingPhaseProgress(Clock);
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton<System.Diagnostics.Metrics.IMeterFactory>(Meters);
        services.AddIterationStreaming().AddInMemoryFileSink().AddChatClientGenerator(chatClient ?? Client, configure);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Clock { get; }

    public ScriptedChatClient Client { get; } = new();

    public TestMeterFactory Meters { get; } = new();

    public RecordingPhaseProgress Progress { get; }

    public ServiceProvider Provider { get; }

    public IFileSink Sink => Provider.GetRequiredService<IFileSink>();

    public string GenerationId { get; } = TestEvents.NewId();

    public string ParentGenerationId { get; } = TestEvents.NewId();

    /// <summary>A generator from a new run scope, as the engine resolves it.</summary>
    public IPhaseGenerator CreateGenerator()
    {
        var scope = Provider.CreateAsyncScope();
        _scopes.Add(scope);
        return scope.ServiceProvider.GetRequiredService<IPhaseGenerator>();
    }

    /// <summary>Saves files as phase <paramref name="phase"/> of <see cref="GenerationId"/> (0: carried over from a parent).</summary>
    public async Task<FileManifest> SaveAsync(int phase, params (string Path, string Content)[] files)
    {
        var written = files.Select(f => GeneratedFile.FromText(f.Path, f.Content)).ToList();
        if (phase == 0)
        {
            // A parent's files: saved by the parent, then carried over when this generation's storage is created.
            await Sink.CreateAsync(ParentGenerationId, null);
            await Sink.SavePhaseAsync(ParentGenerationId, 1, written);
            await Sink.CreateAsync(GenerationId, ParentGenerationId);
            return (await Sink.GetManifestAsync(GenerationId))!;
        }

        if (await Sink.GetManifestAsync(GenerationId) is null)
        {
            await Sink.CreateAsync(GenerationId, null);
        }

        return await Sink.SavePhaseAsync(GenerationId, phase, written);
    }

    public async Task<PhaseContext> ContextAsync(int phase = 1, string? modificationPrompt = null, string prompt = "Build a task tracker", PhaseCheckpoint? checkpoint = null)
    {
        var manifest = await Sink.GetManifestAsync(GenerationId) ?? new FileManifest { GenerationId = GenerationId, Files = [] };
        return new PhaseContext
        {
            GenerationId = GenerationId,
            Prompt = prompt,
            ModificationPrompt = modificationPrompt,
            ParentGenerationId = modificationPrompt is null ? null : ParentGenerationId,
            Entities = ["User"],
            Phase = DefaultPlan[phase - 1],
            Plan = DefaultPlan,
            Files = manifest,
            Mode = new GenerationModeAssignment("classic"),
            Progress = Progress,
            Checkpoint = checkpoint,
        };
    }

    /// <summary>Runs one phase with a new generator and returns its files.</summary>
    public async Task<List<GeneratedFile>> RunPhaseAsync(int phase = 1, CancellationToken cancellationToken = default) =>
        await RunPhaseAsync(CreateGenerator(), await ContextAsync(phase), cancellationToken);

    /// <summary>A new generator with the context of <paramref name="phase"/>.</summary>
    public async Task<(IPhaseGenerator Generator, PhaseContext Context)> CreateGeneratorAndContextAsync(int phase, string? modificationPrompt = null) =>
        (CreateGenerator(), await ContextAsync(phase, modificationPrompt));

    public static Task<List<GeneratedFile>> RunPhaseAsync((IPhaseGenerator Generator, PhaseContext Context) run) =>
        RunPhaseAsync(run.Generator, run.Context);

    public static async Task<List<GeneratedFile>> RunPhaseAsync(IPhaseGenerator generator, PhaseContext context, CancellationToken cancellationToken = default) =>
        await generator.GenerateAsync(context, cancellationToken).ToListAsync(cancellationToken).AsTask().WithPatience();

    public async ValueTask DisposeAsync()
    {
        foreach (var scope in _scopes)
        {
            await scope.DisposeAsync();
        }

        await Provider.DisposeAsync();
        Meters.Dispose();
    }
}

public static class GeneratedFileExtensions
{
    public static string Text(this GeneratedFile file) => System.Text.Encoding.UTF8.GetString(file.Content.Span);
}
