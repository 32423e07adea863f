using System.Globalization;
using System.Text.Json;

namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>
/// What the demo generator attaches to each live report (<c>{"generator":"demo","version":1,"phase":3,"file":2,"offset":812}</c>):
/// where it is. It could continue from the checkpoint alone (it is deterministic); the state tells its own checkpoints from
/// another generator's (a host that switched generators) or a damaged one, which make the phase start again.
/// </summary>
public sealed record DemoResumeState
{
    /// <summary>The generator's name in the state.</summary>
    public const string Name = "demo";

    /// <summary>The version of this format.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Whose state it is: <see cref="Name"/>.</summary>
    public string Generator { get; init; } = Name;

    /// <summary>The version of the format.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The phase being written.</summary>
    public int Phase { get; init; }

    /// <summary>The index of the file being written in the phase.</summary>
    public int File { get; init; }

    /// <summary>How many characters of that file were reported.</summary>
    public int Offset { get; init; }

    /// <summary>The state as the bytes a checkpoint keeps.</summary>
    /// <returns>UTF-8 JSON.</returns>
    public ReadOnlyMemory<byte> ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, DemoJsonContext.Default.DemoResumeState);

    /// <summary>Why <paramref name="bytes"/> is not a demo state of phase <paramref name="phase"/>; null when it is, or when there is none.</summary>
    /// <param name="bytes">A checkpoint's resume state.</param>
    /// <param name="phase">The phase being resumed.</param>
    /// <returns>The reason, in words for the <c>resumed</c> message, or null.</returns>
    public static string? Problem(ReadOnlyMemory<byte> bytes, int phase)
    {
        if (bytes.IsEmpty)
        {
            // A checkpoint written before the first report that carried a state: the checkpoint alone says where it is.
            return null;
        }

        DemoResumeState? state;
        try
        {
            state = JsonSerializer.Deserialize(bytes.Span, DemoJsonContext.Default.DemoResumeState);
        }
        catch (JsonException)
        {
            return "the checkpoint's resume state is not the demo generator's (it is not readable)";
        }

        if (state is null || state.Generator != Name)
        {
            return "the checkpoint's resume state is another generator's";
        }

        if (state.Version != CurrentVersion)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the checkpoint's resume state is of version {state.Version}, which this demo does not read");
        }

        if (state.File < 0 || state.Offset < 0)
        {
            return "the checkpoint's resume state is damaged (a negative position)";
        }

        return state.Phase == phase ? null : string.Create(CultureInfo.InvariantCulture, $"the checkpoint's resume state is of phase {state.Phase}, not {phase}");
    }
}
