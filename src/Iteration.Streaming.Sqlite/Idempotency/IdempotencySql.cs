namespace Iteration.Streaming.Sqlite.Idempotency;

/// <summary>The statements of the idempotency store; <c>$now</c> is the store's clock in Unix ms.</summary>
internal static class IdempotencySql
{
    public const string DeleteExpired = "DELETE FROM idempotency_keys WHERE expires_at <= $now;";

    public const string Get = "SELECT fingerprint, result, expires_at FROM idempotency_keys WHERE key = $key AND expires_at > $now;";

    public const string Insert = """
        INSERT INTO idempotency_keys (key, fingerprint, result, expires_at) VALUES ($key, $fingerprint, $result, $expires_at)
        ON CONFLICT (key) DO NOTHING;
        """;

    public const string Complete = """
        UPDATE idempotency_keys SET result = $result, expires_at = $expires_at
        WHERE key = $key AND fingerprint = $fingerprint AND expires_at > $now;
        """;

    public const string Remove = "DELETE FROM idempotency_keys WHERE key = $key AND fingerprint = $fingerprint AND expires_at > $now;";
}
