namespace Iteration.Streaming.Security;

/// <summary>
/// Issues and checks stream tokens: HMAC-SHA256 signed, scoped to one generation, expiring, stateless
/// (any instance that shares <c>IterationStreaming:SigningKey</c> can check them).
/// </summary>
/// <remarks>
/// A token is valid for <c>TokenLifetime</c> after it is issued, but never longer than <c>TerminalGracePeriod</c>
/// after its generation's terminal event; it survives reconnects. Tokens are secrets: never log them.
/// </remarks>
public interface IStreamTokenService
{
    /// <summary>Issues a token for one generation.</summary>
    /// <param name="generationId">The generation the token grants access to.</param>
    /// <returns>The token: URL-safe text, fit for an <c>Authorization: Bearer</c> header or a <c>?token=</c> query.</returns>
    /// <exception cref="ArgumentException"><paramref name="generationId"/> is empty or longer than 128 characters.</exception>
    string IssueToken(string generationId);

    /// <summary>Checks a token presented for <paramref name="generationId"/>, in constant time.</summary>
    /// <param name="generationId">The generation being accessed.</param>
    /// <param name="token">The presented token, or <see langword="null"/> when none was sent.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The outcome; only <see cref="StreamTokenStatus.Valid"/> grants access.</returns>
    ValueTask<StreamTokenStatus> ValidateAsync(string generationId, string? token, CancellationToken cancellationToken = default);
}
