namespace Iteration.Streaming.TestHost.Responses;

/// <summary>How the fake answers a continuation (<c>GET /v1/responses/{id}?stream=true&amp;starting_after=N</c>).</summary>
public enum ResponsesFault
{
    /// <summary>As OpenAI does: the events after N, then the live ones until the response ends.</summary>
    None,

    /// <summary>404 <c>not_found</c>: the response expired or is unknown.</summary>
    Expired,

    /// <summary>500 with an error body.</summary>
    HttpError,

    /// <summary>200 with an <c>error</c> event first.</summary>
    ErrorEvent,

    /// <summary>Ignores <c>starting_after</c>: replays the response from its first event.</summary>
    ReplayFromStart,

    /// <summary>Streams another response (created for it) from its first event.</summary>
    AnotherResponse,
}
