using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

/// <summary>
/// Which page of the caller's generations <see cref="IterationClient.ListAsync"/> asks for
/// (<c>GET /generations?owner=me&amp;status=&amp;limit=&amp;cursor=</c>).
/// </summary>
public sealed record GenerationListOptions
{
    /// <summary>The most cursor characters the server accepts.</summary>
    public const int MaxCursorLength = 512;

    /// <summary>The most generations on one page.</summary>
    public const int MaxLimit = 100;

    /// <summary>Only generations with this status (a <see cref="GenerationStatus"/> value); <see langword="null"/> for all.</summary>
    public string? Status { get; init; }

    /// <summary>How many generations on the page, 1 to <see cref="MaxLimit"/>; <see langword="null"/> for the server's default (20).</summary>
    public int? Limit { get; init; }

    /// <summary>
    /// The <see cref="Contracts.GenerationList.NextCursor"/> of the previous page, as the server sent it; <see langword="null"/>
    /// for the first page. A cursor is bound to the user and the status filter it was issued for.
    /// </summary>
    public string? Cursor { get; init; }

    /// <summary>Throws when a field cannot be what the server accepts, naming it.</summary>
    internal void Check()
    {
        if (Status is not null && !IsStatus(Status))
        {
            throw new ArgumentException(
                $"{nameof(Status)} must be one of queued, processing, awaiting_input, completed, failed or cancelled, but was '{Status}'.", "options");
        }

        if (Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException("options", Limit, $"{nameof(Limit)} must be 1 to {MaxLimit}, but was {Limit}.");
        }

        if (Cursor is not null && (Cursor.Length is 0 or > MaxCursorLength || Cursor.Any(c => c is <= ' ' or > '~')))
        {
            throw new ArgumentException(
                $"{nameof(Cursor)} must be the next_cursor the server sent (1 to {MaxCursorLength} printable ASCII characters), or null for the first page.", "options");
        }
    }

    internal static bool IsStatus(string status) =>
        status is GenerationStatus.Queued or GenerationStatus.Processing or GenerationStatus.AwaitingInput
            or GenerationStatus.Completed or GenerationStatus.Failed or GenerationStatus.Cancelled;
}
