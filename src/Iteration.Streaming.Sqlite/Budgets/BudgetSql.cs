namespace Iteration.Streaming.Sqlite.Budgets;

/// <summary>The statements of the budget ledger (<c>budget_days</c>, <c>budget_reservations</c>).</summary>
internal static class BudgetSql
{
    public const string GetReservation = """
        SELECT day, tokens, settled, reserved_at FROM budget_reservations WHERE user_id = $user_id AND generation_id = $generation_id;
        """;

    public const string GetUsed = "SELECT used FROM budget_days WHERE user_id = $user_id AND day = $day;";

    /// <summary>Reservations not settled and made after <c>$since</c> (Unix ms): the owner's unfinished generations.</summary>
    public const string CountUnfinished = """
        SELECT count(*) FROM budget_reservations WHERE user_id = $user_id AND settled = 0 AND reserved_at > $since;
        """;

    public const string AddToDay = """
        INSERT INTO budget_days (user_id, day, used) VALUES ($user_id, $day, $tokens)
        ON CONFLICT (user_id, day) DO UPDATE SET used = used + excluded.used;
        """;

    public const string InsertReservation = """
        INSERT INTO budget_reservations (user_id, generation_id, day, tokens, reserved_at, settled)
        VALUES ($user_id, $generation_id, $day, $tokens, $reserved_at, 0);
        """;

    /// <summary>Replaces a reservation's tokens in its day with what the generation used (never below zero).</summary>
    public const string SettleDay = """
        UPDATE budget_days SET used = max(0, used - $reserved + $used) WHERE user_id = $user_id AND day = $day;
        """;

    public const string SettleReservation = """
        UPDATE budget_reservations SET settled = 1, tokens = $used WHERE user_id = $user_id AND generation_id = $generation_id;
        """;

    /// <summary>An owner's days and reservations from before <c>$oldest</c> can no longer count for anything.</summary>
    public const string Prune = """
        DELETE FROM budget_days WHERE user_id = $user_id AND day < $oldest;
        DELETE FROM budget_reservations WHERE user_id = $user_id AND day < $oldest;
        """;
}
