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

    /// <summary>
    /// The largest accepted input body (<c>POST {prefix}/{id}/input</c>): an <c>edit_files</c> of one phase's bytes
    /// (<see cref="IterationStreamingOptions.MaxPhaseBytes"/>, JSON-escaped: twice, as most text escapes little),
    /// capped at 32 MiB; at least what a start may send.
    /// </summary>
    public static long MaxInputBodyBytes(IterationStreamingOptions options) =>
        Math.Max(MaxBodyBytes(options), Math.Min(2 * options.MaxPhaseBytes + 65_536, 32L * 1024 * 1024));

    /// <summary>
    /// The largest accepted revert body (<c>POST {prefix}/{id}/revert</c>): the most paths a generation may hold, each of
    /// the longest path escaped, capped at 32 MiB; at least what a start may send.
    /// </summary>
    public static long MaxRevertBodyBytes(IterationStreamingOptions options) =>
        Math.Max(MaxBodyBytes(options), Math.Min(((long)options.MaxFilesPerGeneration * ((6L * options.MaxPathLength) + 4)) + 4096, 32L * 1024 * 1024));
}
