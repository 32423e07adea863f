using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Automatic retries of transient failures (<c>IterationStreaming:Retries</c>): a run that fails because the model is
/// unavailable (HTTP 429 or 5xx, a timeout, a dropped stream; see <see cref="Generation.TransientGenerationException"/>)
/// goes on as the same generation from its last saved phase after an exponential backoff with jitter, announced by a
/// <c>resumed</c> event. The wait is kept with the generation and survives a restart.
/// </summary>
[UnconditionalSuppressMessage(
    "Trimming",
    "IL2026:RequiresUnreferencedCode",
    Justification = "The TimeSpan [Range] attributes are read at build time: the generated validator checks them with its own trim-safe copy of RangeAttribute.")]
public sealed class RetryOptions
{
    /// <summary>The most attempts of a generation, the first included (3: two retries). 1 turns retries off. Default 3.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles for each next one, with jitter. Default 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest wait between attempts (a model's <c>Retry-After</c> is honoured up to it; one asking for longer fails
    /// the run, as the model will not be back soon enough). Default 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);
}
