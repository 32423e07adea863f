using Iteration.Streaming.Files;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// The sample's real file sink, except that it loses one file when it carries an iteration's parent files forward:
/// the storage fault that the engine's validation reports as a <c>data_loss_detection</c> warning.
/// </summary>
public sealed class LosingFileSink(IFileSink inner, string lostPath) : IFileSink
{
    public async ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        await inner.CreateAsync(generationId, parentGenerationId, cancellationToken);
        if (parentGenerationId is not null)
        {
            await inner.SavePhaseAsync(generationId, 1, [GeneratedFile.Delete(lostPath)], cancellationToken);
        }
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default) =>
        inner.CreateFromAsync(generationId, sourceGenerationId, cancellationToken);

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(generationId, cancellationToken);

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default) =>
        inner.SavePhaseAsync(generationId, phase, files, cancellationToken);

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(generationId, cancellationToken);

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) =>
        inner.GetManifestAsync(generationId, cancellationToken);

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(generationId, path, cancellationToken);

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default) =>
        inner.WriteArchiveAsync(generationId, destination, cancellationToken);
}
