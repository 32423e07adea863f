using System.Runtime.CompilerServices;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The one phase of a revert: each path as the target state has it (its saved content, read back, never generated),
/// or deleted where the target has no such path.
/// </summary>
internal sealed class RevertGenerator(IFileSink fileSink, string parentGenerationId, GenerationRevert revert) : IPhaseGenerator
{
    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var states = new FileStates(fileSink);
        var target = await states.ResolveAsync(parentGenerationId, StateReference.Parse(revert.To, "to"), "to", cancellationToken).ConfigureAwait(false);
        foreach (var path in revert.Paths)
        {
            var file = ManifestLookup.Find(target.Files, path);
            if (file is null)
            {
                yield return GeneratedFile.Delete(path);
                continue;
            }

            var stream = await states.OpenAsync(target, file, cancellationToken).ConfigureAwait(false)
                ?? throw new GenerationFailedException($"The saved content of '{path}' in {target.GenerationId} ({revert.To}) could not be read; nothing was reverted.");
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream(checked((int)file.Size));
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                yield return new GeneratedFile { Path = path, Content = buffer.ToArray(), WrittenBy = Contracts.FileAuthors.User };
            }
        }
    }
}
