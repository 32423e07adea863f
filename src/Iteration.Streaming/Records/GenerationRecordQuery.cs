namespace Iteration.Streaming.Records;

/// <summary>
/// A page of one user's generations for <see cref="IGenerationRecordStore.ListByUserAsync"/>: newest first (by
/// <see cref="GenerationRecord.CreatedAt"/>, then by id, both descending), after a position (keyset paging).
/// </summary>
public sealed record GenerationRecordQuery
{
    /// <summary>The most records a page may ask for.</summary>
    public const int MaxLimit = 100;

    /// <summary>The user (<see cref="GenerationRecord.UserId"/>) whose generations to list.</summary>
    public required string UserId { get; init; }

    /// <summary>Only generations whose <see cref="GenerationRecord.Status"/> is this one; all when <see langword="null"/>.</summary>
    public string? Status { get; init; }

    /// <summary>The most records to return, 1 to <see cref="MaxLimit"/>. Default 20.</summary>
    public int Limit { get; init; } = 20;

    /// <summary>Return only records after this one in the order (the previous page's <see cref="GenerationRecordPage.Next"/>).</summary>
    public GenerationRecordPosition? After { get; init; }
}

/// <summary>A place in a user's list: a record's creation time (to the millisecond) and id.</summary>
/// <param name="CreatedAt">The record's <see cref="GenerationRecord.CreatedAt"/>, to the millisecond.</param>
/// <param name="GenerationId">The record's id (the tie-breaker).</param>
public sealed record GenerationRecordPosition(DateTimeOffset CreatedAt, string GenerationId)
{
    /// <summary>The position of <paramref name="record"/>.</summary>
    /// <param name="record">A record.</param>
    /// <returns>Its position, to the millisecond.</returns>
    public static GenerationRecordPosition Of(GenerationRecord record) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAt.ToUnixTimeMilliseconds()), record.GenerationId);
}

/// <summary>A page of <see cref="IGenerationRecordStore.ListByUserAsync"/>.</summary>
/// <param name="Records">The records, newest first.</param>
/// <param name="Next">Where the next page starts, or <see langword="null"/> when this page is the last.</param>
public sealed record GenerationRecordPage(IReadOnlyList<GenerationRecord> Records, GenerationRecordPosition? Next);
