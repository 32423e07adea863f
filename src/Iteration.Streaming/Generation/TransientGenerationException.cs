namespace Iteration.Streaming.Generation;

/// <summary>
/// Thrown by a generator when its phase failed for a reason that passes (the model answered 429 or 5xx, timed out, or
/// dropped its stream): the engine retries the generation from its last saved phase after a backoff, up to
/// <c>Retries:MaxAttempts</c>, announcing each retry with a <c>resumed</c> event that names <see cref="Exception.Message"/>
/// as the cause ("Model unavailable (HTTP 503)"). Any other exception fails the run at once. The engine also takes an
/// <see cref="HttpRequestException"/> with status 429, 5xx or none (no connection) and a <see cref="TimeoutException"/>
/// as transient.
/// </summary>
public sealed class TransientGenerationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransientGenerationException()
        : this("The model is unavailable")
    {
    }

    /// <summary>Creates the exception with the cause, for the user.</summary>
    /// <param name="message">The cause, shown in the <c>resumed</c> event, such as "Model unavailable (HTTP 503)".</param>
    public TransientGenerationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the cause and the exception behind it.</summary>
    /// <param name="message">The cause, for the user.</param>
    /// <param name="innerException">The exception behind it.</param>
    public TransientGenerationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the cause, the wait the model asked for, and the exception behind it.</summary>
    /// <param name="message">The cause, for the user.</param>
    /// <param name="retryAfter">The model's <c>Retry-After</c>, when it sent one: the retry waits at least that long.</param>
    /// <param name="innerException">The exception behind it, when there is one.</param>
    public TransientGenerationException(string message, TimeSpan? retryAfter, Exception? innerException = null)
        : base(message, innerException)
    {
        if (retryAfter is { } wait)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(retryAfter));
        }

        RetryAfter = retryAfter;
    }

    /// <summary>The wait the model asked for (<c>Retry-After</c>), when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
