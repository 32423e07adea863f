namespace Iteration.Streaming.Client;

/// <summary>
/// How <see cref="IterationClient.WatchManyAsync"/> and <see cref="IterationClient.WatchOwnerAsync"/> start a multiplexed
/// watch. Reconnect delays, the failure limit and the stall timeout are the client's (<see cref="IterationClientOptions"/>).
/// </summary>
public sealed record WatchManyOptions
{
    /// <summary>The most generations one watch set may name: the highest <c>MaxGenerationsPerStream</c> a server accepts.</summary>
    public const int MaxGenerations = 1_000;

    /// <summary>The longest cursor the server reads (16 KB).</summary>
    public const int MaxCursorLength = 16 * 1024;

    /// <summary>Where each generation starts; default <see cref="WatchManyFrom.Now"/>. Ignored when resuming from <see cref="LastEventId"/>.</summary>
    public WatchManyFrom From { get; init; } = WatchManyFrom.Now;

    /// <summary>
    /// The cursor to resume from: the last SSE id an earlier watch received (<see cref="IterationStreamException.Cursor"/>
    /// when it gave up), of the same owner, or of the same watch set (the same generations in the same order);
    /// <see langword="null"/> to start at <see cref="From"/>. Every generation goes on exactly after what it delivered.
    /// The server refuses (400) a cursor of another owner or watch set, or one tampered with.
    /// </summary>
    public string? LastEventId { get; init; }

    /// <summary>Throws when a field cannot be what the server accepts, naming it.</summary>
    internal void Check()
    {
        if (!Enum.IsDefined(From))
        {
            throw new ArgumentOutOfRangeException("options", From, $"{nameof(From)} must be {nameof(WatchManyFrom.Now)} or {nameof(WatchManyFrom.Start)}, but was {(int)From}.");
        }

        if (LastEventId is not null && !IsCursor(LastEventId))
        {
            throw new ArgumentException(
                $"{nameof(LastEventId)} must be an SSE id the server sent (1 to {MaxCursorLength} printable ASCII characters without spaces), or null to start at {nameof(From)}.", "options");
        }
    }

    /// <summary>True for a cursor the client can send back in a <c>Last-Event-ID</c> header.</summary>
    internal static bool IsCursor(string cursor) =>
        cursor.Length is > 0 and <= MaxCursorLength && !cursor.Any(c => c is <= ' ' or > '~');
}
