using System.Text.Json;

namespace Iteration.Streaming.Generation;

/// <summary>
/// Lets a generator report progress inside a phase besides the files it yields: a file being written (live output)
/// and the model tokens it spent.
/// </summary>
public interface IPhaseProgress
{
    /// <summary>
    /// Appends a <c>phase_{n}_progress</c> event with <c>current_file</c> and <paramref name="partialOutput"/>, without
    /// counting a file. Throttle the calls (a few a second at most); every call is one event for every watcher.
    /// </summary>
    /// <param name="currentFile">The file being written.</param>
    /// <param name="partialOutput">What to show with it (<c>partial_output</c>), such as <c>{"file": path, "chars": n}</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the event is in the log.</returns>
    ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reports the text of the file being written since the last report (a delta at an offset), and optionally the
    /// generator's resume state: a <c>phase_{n}_progress</c> event with
    /// <c>partial_output: {"file", "offset", "text", "chars", "tail"}</c> (a long delta is split over several events),
    /// then a checkpoint of the phase (its finished files, this text, the resume state) at most this often, so an
    /// interrupted phase can continue (<see cref="IResumablePhaseGenerator"/>) and a reloaded page can show the file so
    /// far (<c>GET {prefix}/{id}/live</c>). Call it at the live-progress rate (a few times a second), never per token.
    /// </summary>
    /// <param name="update">The delta; its <see cref="PhaseLiveUpdate.Offset"/> must be the length reported for the file so far.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the events are in the log and the checkpoint is stored.</returns>
    /// <remarks>The default (for a hand-made progress) reports <c>{"file", "chars"}</c> through <see cref="ReportAsync"/>.</remarks>
    ValueTask ReportLiveAsync(PhaseLiveUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return update.File is { Length: > 0 } file
            ? ReportAsync(file, null, cancellationToken)
            : ValueTask.CompletedTask;
    }

    /// <summary>
    /// Adds model tokens spent in this phase; the sums go on <c>phase_{n}_complete</c> and <c>completed</c> as
    /// <c>partial_output.usage</c> and to the token-usage metric.
    /// </summary>
    /// <param name="inputTokens">Input (prompt) tokens.</param>
    /// <param name="outputTokens">Output (completion) tokens.</param>
    void AddUsage(long inputTokens, long outputTokens);

    /// <summary>
    /// Adds model tokens spent in this phase by a named model (priced at <c>Budgets:Prices:{model}</c>). Also ends the
    /// estimate of the model call in progress (see <see cref="EstimateOutputTokens"/>): real usage replaces it. Each
    /// report is checked against the generation's budget; crossing it stops the run at once.
    /// </summary>
    /// <param name="inputTokens">Input (prompt) tokens; 0 or more.</param>
    /// <param name="outputTokens">Output (completion) tokens; 0 or more.</param>
    /// <param name="model">The model's name, or <see langword="null"/> when unknown.</param>
    void AddUsage(long inputTokens, long outputTokens, string? model) => AddUsage(inputTokens, outputTokens);

    /// <summary>
    /// Says how many output tokens the model call in progress has produced so far, estimated (from the characters
    /// streamed), until its real usage arrives through <see cref="AddUsage(long, long, string?)"/>. Lets the budget stop a
    /// runaway call within one live-progress interval instead of at its end. Each call replaces the previous estimate.
    /// </summary>
    /// <param name="outputTokens">The estimated output tokens of the call so far; 0 or more.</param>
    void EstimateOutputTokens(long outputTokens)
    {
    }
}
