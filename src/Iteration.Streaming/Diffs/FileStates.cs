using System.Globalization;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.Diffs;

/// <summary>Finds the saved states a diff, fork or revert names, and opens their files, through the sink's history.</summary>
internal sealed class FileStates(IFileSink fileSink)
{
    /// <summary>The files of <paramref name="generationId"/> now.</summary>
    /// <exception cref="GenerationNotFoundException">It has no files.</exception>
    public async ValueTask<FileState> CurrentAsync(string generationId, CancellationToken cancellationToken)
    {
        var manifest = await fileSink.GetManifestAsync(generationId, cancellationToken).ConfigureAwait(false)
            ?? throw new GenerationNotFoundException(generationId);
        return new FileState(generationId, null, manifest.Files);
    }

    /// <summary>The state <paramref name="reference"/> names: another generation's files now, or a saved phase of <paramref name="generationId"/>.</summary>
    /// <exception cref="GenerationNotFoundException">The generation named has no files.</exception>
    /// <exception cref="InvalidGenerationRequestException">The phase has no saved state (the message names <paramref name="field"/>).</exception>
    /// <exception cref="GenerationConflictException">The sink keeps no history.</exception>
    public async ValueTask<FileState> ResolveAsync(string generationId, StateReference reference, string field, CancellationToken cancellationToken)
    {
        if (reference.Phase is not { } phase)
        {
            return await CurrentAsync(reference.GenerationId!, cancellationToken).ConfigureAwait(false);
        }

        var history = await HistoryAsync(generationId, cancellationToken).ConfigureAwait(false);
        var files = history.StateAt(phase) ?? throw new InvalidGenerationRequestException(string.Create(
            CultureInfo.InvariantCulture,
            $"'{field}' names phase {phase}, which generation '{generationId}' has no saved state for; its saved states are phase {string.Join(", ", history.SavedPhases)}."));
        return new FileState(generationId, phase, files);
    }

    /// <summary>The history of <paramref name="generationId"/>.</summary>
    public async ValueTask<FileHistory> HistoryAsync(string generationId, CancellationToken cancellationToken)
    {
        try
        {
            return await fileSink.GetHistoryAsync(generationId, cancellationToken).ConfigureAwait(false)
                ?? throw new GenerationNotFoundException(generationId);
        }
        catch (NotSupportedException ex)
        {
            throw new GenerationConflictException($"The file sink keeps no history of saved phases, so phase states cannot be read. {ex.Message}");
        }
    }

    /// <summary>Opens <paramref name="file"/> as <paramref name="state"/> lists it, or returns <see langword="null"/> when its content is gone.</summary>
    public async ValueTask<Stream?> OpenAsync(FileState state, GenerationFile file, CancellationToken cancellationToken)
    {
        try
        {
            // By hash: the files of now are the history's last state, and a sink opens content by hash without a
            // lookup by path (a diff opens hundreds).
            return await fileSink.OpenContentAsync(state.GenerationId, file, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException) when (state.Phase is null)
        {
            return await fileSink.OpenReadAsync(state.GenerationId, file.Path, cancellationToken).ConfigureAwait(false);
        }
    }
}
