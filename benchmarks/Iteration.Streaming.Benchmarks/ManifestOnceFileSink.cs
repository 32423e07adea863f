using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// What-if for <see cref="DiffBenchmarks"/>: the file-system sink, except that opening a file reads the generation's
/// manifest once (then opens content by hash from the shared store), where the sink reads and parses it again on every
/// open. Not a sink to ship: it never sees later saves.
/// </summary>
internal sealed class ManifestOnceFileSink(IFileSink inner, string root) : IFileSink
{
    private readonly FileSystemContentStore _store = new(root, static _ => { });
    private readonly Dictionary<string, (FileManifest Manifest, FileHistory History)> _read = new(StringComparer.Ordinal);

    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default) => inner.CreateAsync(generationId, parentGenerationId, cancellationToken);

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default) => inner.CreateFromAsync(generationId, sourceGenerationId, cancellationToken);

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default) => inner.SavePhaseAsync(generationId, phase, files, cancellationToken);

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.CompleteAsync(generationId, cancellationToken);

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default) => inner.WriteArchiveAsync(generationId, destination, cancellationToken);

    /// <summary>Forgets what it read: called before each diff, so each diff reads each manifest once.</summary>
    public void Forget() => _read.Clear();

    public async ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(generationId, cancellationToken)).Manifest;

    public async ValueTask<FileHistory?> GetHistoryAsync(string generationId, CancellationToken cancellationToken = default) =>
        (await ReadAsync(generationId, cancellationToken)).History;

    public async ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default)
    {
        var (manifest, _) = await ReadAsync(generationId, cancellationToken);
        var file = manifest.Files.FirstOrDefault(f => string.Equals(f.Path, path, StringComparison.Ordinal));
        return file is null ? null : _store.TryOpen(file.Sha256);
    }

    public async ValueTask<Stream?> OpenContentAsync(string generationId, GenerationFile file, CancellationToken cancellationToken = default)
    {
        var (_, history) = await ReadAsync(generationId, cancellationToken);
        return history.Names(file.Sha256) ? _store.TryOpen(file.Sha256) : null;
    }

    private async ValueTask<(FileManifest Manifest, FileHistory History)> ReadAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!_read.TryGetValue(generationId, out var read))
        {
            read = ((await inner.GetManifestAsync(generationId, cancellationToken))!, (await inner.GetHistoryAsync(generationId, cancellationToken))!);
            _read[generationId] = read;
        }

        return read;
    }
}
