namespace Iteration.Streaming.Engine;

/// <summary>
/// Thrown when a start, iteration or retry would go past a budget limit: the owner's tokens per day or concurrent
/// generations (see <see cref="Budgets.IBudgetPolicy"/>), or a budget above <c>Budgets.MaxPerGeneration</c>. HTTP answers
/// 429 Problem Details of type <see cref="ProblemType"/>, naming <see cref="Limit"/> and <see cref="ResetsAt"/>.
/// </summary>
public sealed class GenerationBudgetExceededException : Exception
{
    /// <summary>The Problem Details <c>type</c> of the refusal.</summary>
    public const string ProblemType = "https://iteration-streaming.dev/problems/budget-exceeded";

    /// <summary>The owner's tokens-per-day allowance (<c>Budgets:OwnerTokensPerDay</c>) would be passed.</summary>
    public const string TokensPerDay = "owner_tokens_per_day";

    /// <summary>The owner has <c>Budgets:OwnerConcurrentGenerations</c> generations running already.</summary>
    public const string ConcurrentGenerations = "owner_concurrent_generations";

    /// <summary>Creates the exception.</summary>
    public GenerationBudgetExceededException()
        : this("The budget is exceeded.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why the start was refused.</param>
    public GenerationBudgetExceededException(string message)
        : base(message)
    {
        Limit = string.Empty;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Why the start was refused.</param>
    /// <param name="innerException">The cause.</param>
    public GenerationBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = string.Empty;
    }

    /// <summary>Creates the exception naming the limit.</summary>
    /// <param name="message">Why the start was refused, for the user.</param>
    /// <param name="limit">Which limit (<see cref="TokensPerDay"/>, <see cref="ConcurrentGenerations"/>, or a host policy's own name).</param>
    /// <param name="allowed">The limit's value.</param>
    /// <param name="used">How much of it is used (tokens spent and reserved today, or generations running).</param>
    /// <param name="resetsAt">When the limit resets (the next UTC midnight for a daily allowance), when it does.</param>
    public GenerationBudgetExceededException(string message, string limit, long allowed, long used, DateTimeOffset? resetsAt)
        : base(message)
    {
        Limit = limit;
        Allowed = allowed;
        Used = used;
        ResetsAt = resetsAt;
    }

    /// <summary>Which limit refused the start.</summary>
    public string Limit { get; }

    /// <summary>The limit's value.</summary>
    public long Allowed { get; }

    /// <summary>How much of the limit is used.</summary>
    public long Used { get; }

    /// <summary>When the limit resets, when it does.</summary>
    public DateTimeOffset? ResetsAt { get; }
}
