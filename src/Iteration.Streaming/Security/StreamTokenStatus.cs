namespace Iteration.Streaming.Security;

/// <summary>
/// The outcome of checking a stream token (see <see cref="IStreamTokenService.ValidateAsync"/>).
/// </summary>
public enum StreamTokenStatus
{
    /// <summary>The token is genuine, unexpired and for this generation.</summary>
    Valid,

    /// <summary>No token was presented.</summary>
    Missing,

    /// <summary>The text is not a stream token at all.</summary>
    Malformed,

    /// <summary>The token is shaped like one but its signature does not match: forged, altered, or signed with another key.</summary>
    InvalidSignature,

    /// <summary>The token is genuine but its lifetime, or its generation's grace period after the terminal event, is over.</summary>
    Expired,

    /// <summary>The token is genuine but grants access to another generation.</summary>
    OtherGeneration,

    /// <summary>The token is genuine and for this generation, but only reads: the action needs the control token.</summary>
    InsufficientScope,
}
