using Iteration.Streaming.Files;

namespace Iteration.Streaming.Generation;

/// <summary>
/// The host's generator (the AI call): for one phase, yields files one at a time. Register it with
/// <c>services.AddIterationStreaming().AddPhaseGenerator&lt;TGenerator&gt;()</c>; a new scope is created per run.
/// </summary>
/// <remarks>
/// Each yielded file produces a <c>phase_{n}_progress</c> event with <c>current_file</c> (and the file's
/// <see cref="GeneratedFile.PartialOutput"/>); the phase's files are saved together when the enumeration ends.
/// Throwing fails the run with the exception's message; honour the cancellation token: it fires on
/// cancel, on shutdown and when the stall watchdog gives up.
/// </remarks>
public interface IPhaseGenerator
{
    /// <summary>Generates one phase's files.</summary>
    /// <param name="context">The run and the phase.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled or times out.</param>
    /// <returns>Writes and explicit deletes, in order.</returns>
    IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, CancellationToken cancellationToken = default);
}
