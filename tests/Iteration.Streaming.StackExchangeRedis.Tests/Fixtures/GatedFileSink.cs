using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// The instance's real file sink, except that saving one phase waits at a gate the test opens: the save has begun
/// (<see cref="Entered"/>) and hangs until then, as a slow disk or blob store does. When <see cref="HonourCancellation"/>
/// the wait ends with the run's token (the save is abandoned); otherwise the save finishes once the gate opens.
/// </summary>
public sealed class GatedFileSink(IFileSink inner, int gatedPhase) : IFileSink, IDisposable
{
    public TaskCompletionSource<CancellationToken> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool HonourCancellation { get; init; }

    /// <summary>Replaces the sink registered so far (the file-system sink) by one gated at <paramref name="gatedPhase"/>.</summary>
    public static Action<IIterationStreamingBuilder> Install(Func<IFileSink, GatedFileSink> create) => builder =>
    {
        var registered = builder.Services.Last(d => d.ServiceType == typeof(IFileSink));
        builder.Services.Remove(registered);
        builder.Services.AddSingleton<IFileSink>(sp => create((IFileSink)registered.ImplementationFactory!(sp)));
    };

    public async ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        if (phase == gatedPhase && Entered.TrySetResult(cancellationToken))
        {
            await (HonourCancellation ? Opened.Task.WaitAsync(cancellationToken) : Opened.Task);
        }

        return await inner.SavePhaseAsync(generationId, phase, files, cancellationToken);
    }

    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default) =>
        inner.CreateAsync(generationId, parentGenerationId, cancellationToken);

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default) =>
        inner.CreateFromAsync(generationId, sourceGenerationId, cancellationToken);

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(generationId, cancellationToken);

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(generationId, cancellationToken);

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.GetManifestAsync(generationId, cancellationToken);

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(generationId, path, cancellationToken);

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default) =>
        inner.WriteArchiveAsync(generationId, destination, cancellationToken);

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
