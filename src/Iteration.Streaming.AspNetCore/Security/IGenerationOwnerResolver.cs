using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.AspNetCore.Security;

/// <summary>
/// Tells who is calling, so generations can be owned: when one is registered (see
/// <c>AddGenerationOwnerResolver</c> or <c>AddClaimsOwnerResolver</c>), start, iterate and retry record the caller as
/// the new generation's user; the user recorded on a generation may read it (stream, snapshot, files, archive) without
/// its read token and act on it (iterate from it, cancel, retry, input) without its control token; and
/// <c>GET {prefix}?owner=me</c> lists the caller's generations.
/// </summary>
/// <remarks>
/// Typically the signed-in user's stable id, such as the <c>sub</c> or name-identifier claim. Ownership does not count on
/// a request the browser marks as from another site (<c>Sec-Fetch-Site</c> other than <c>same-origin</c> or <c>none</c>),
/// so a cookie alone cannot be used by another site to read or act for the user. A token that is sent is checked as
/// without a resolver: a bad one is refused, not passed over for ownership.
/// </remarks>
public interface IGenerationOwnerResolver
{
    /// <summary>Returns the calling user's id, or <see langword="null"/> (or empty) when the caller is anonymous.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The user's id.</returns>
    ValueTask<string?> GetUserIdAsync(HttpContext context);
}
