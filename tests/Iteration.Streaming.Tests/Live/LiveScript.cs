using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Tests.Live;

/// <summary>
/// What <see cref="LiveTextGenerator"/> writes and where it stops, shared by the generators of every run and host of a
/// test (a generator is made per run): each phase writes <see cref="FilesPerPhase"/> files of <see cref="FileLength"/>
/// characters, reported live in deltas of <see cref="Chunk"/> with a resume state naming where it is.
/// </summary>
public sealed class LiveScript
{
    public int FilesPerPhase { get; init; } = 2;

    public int FileLength { get; init; } = 1_000;

    public int Chunk { get; init; } = 100;

    /// <summary>Where the next run holds (never returns until cancelled): phase, file index, characters reported.</summary>
    public (int Phase, int File, int Chars)? StopAt { get; set; }

    public TaskCompletionSource Reached { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What <see cref="IResumablePhaseGenerator.PrepareResumeAsync"/> answers; continue by default.</summary>
    public Func<PhaseContext, PhaseResumeDecision>? Decide { get; set; }

    /// <summary>Overrides the resume state of every report (to write a foreign or oversized one).</summary>
    public Func<int, int, int, byte[]>? StateOverride { get; set; }

    public ConcurrentQueue<PhaseContext> Prepared { get; } = new();

    public ConcurrentQueue<PhaseContext> Generated { get; } = new();

    public static string PathOf(int phase, int file) => string.Create(CultureInfo.InvariantCulture, $"src/p{phase}/f{file}.txt");

    /// <summary>The file's text: lines with a 2-byte and a 4-byte character, so UTF-16 offsets and UTF-8 bytes differ.</summary>
    public string TextOf(int phase, int file)
    {
        var text = new StringBuilder();
        for (var line = 0; text.Length < FileLength; line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"phase {phase} file {file} line {line} \u00e9 \U0001F600\n");
        }

        var length = FileLength;
        if (char.IsHighSurrogate(text[length - 1]))
        {
            length++;
        }

        return text.ToString(0, length);
    }

    public static byte[] State(int phase, int file, int chars) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"live:{phase}:{file}:{chars}"));

    public void StopAtNext(int phase, int file, int chars)
    {
        StopAt = (phase, file, chars);
        Reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
