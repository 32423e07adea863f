namespace Iteration.Streaming.Security;

/// <summary>What a token lets its holder do with its generation.</summary>
public enum StreamTokenScope
{
    /// <summary>Read: the stream, the snapshot, the files and the archive (the <c>sse_token</c>; it may travel in a URL).</summary>
    Read = 1,

    /// <summary>Act: iterate from the generation, cancel it, retry it (the <c>control_token</c>; <c>Authorization</c> header only). It also reads.</summary>
    Control = 2,
}
