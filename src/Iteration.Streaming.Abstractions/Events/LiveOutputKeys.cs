namespace Iteration.Streaming.Events;

/// <summary>
/// The keys of the live <c>partial_output</c> of a file being written (<c>phase_{n}_progress</c>):
/// <c>{"file", "offset", "text", "chars", "tail"}</c>.
/// </summary>
/// <remarks>
/// <para><c>text</c> is the file's new text, starting at character <c>offset</c> (UTF-16 code units, as JavaScript
/// and .NET strings count). A watcher rebuilds the exact file so far by applying each delta as
/// <c>known = known[..offset] + text</c> when <c>offset</c> is at most what it knows; a larger <c>offset</c> means it
/// missed text and should read <c>GET {prefix}/{id}/live</c>. An offset below the known length happens when a resumed
/// phase repeats text after its last checkpoint (the same text) or starts a file again (new text).</para>
/// <para><c>chars</c> (the length after the delta) and <c>tail</c> (the last lines) are kept for clients written
/// before deltas.</para>
/// </remarks>
public static class LiveOutputKeys
{
    /// <summary>The path of the file being written.</summary>
    public const string File = "file";

    /// <summary>Where <see cref="Text"/> starts in the file, in UTF-16 code units.</summary>
    public const string Offset = "offset";

    /// <summary>The file's new text from <see cref="Offset"/>.</summary>
    public const string Text = "text";

    /// <summary>The file's length after this delta, in UTF-16 code units.</summary>
    public const string Chars = "chars";

    /// <summary>The end of the file so far (its last lines), for clients that show only that.</summary>
    public const string Tail = "tail";
}
