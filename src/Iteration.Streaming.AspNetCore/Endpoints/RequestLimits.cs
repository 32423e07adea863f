using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// The body size limit of start and iterate requests; their fields are checked by the engine, whose
/// <see cref="Iteration.Streaming.Engine.InvalidGenerationRequestException"/> becomes the 400's detail.
/// </summary>
internal static class RequestLimits
{
    /// <summary>
    /// The largest accepted body: every character of the longest prompt and entity names escaped (<c>\uXXXX</c>,
    /// 6 bytes), plus room for the JSON around them.
    /// </summary>
    public static long MaxBodyBytes(IterationStreamingOptions options) =>
        (6L * options.MaxPromptLength) + ((long)options.MaxEntities * ((6L * options.MaxEntityNameLength) + 4)) + 4096;
}
