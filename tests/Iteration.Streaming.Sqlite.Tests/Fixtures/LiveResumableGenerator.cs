using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.CheckpointTesting;

/// <summary>
/// A fake model for durable mid-phase resume tests (shared by the SQLite and Redis tests): each phase yields
/// <c>phase{n}/first.txt</c>, then streams <c>phase{n}/live.txt</c> as <see cref="Deltas"/> live deltas, each report
/// carrying the resume state "the next delta is k", then yields that file and <c>phase{n}/last.txt</c>. The content never
/// depends on the generation, so an interrupted run and an uninterrupted one must end with the same files.
/// <see cref="StopIn"/> makes it wait (until the run is cancelled) after a number of deltas of one phase; on resume it
/// records the checkpoint it was given and continues from the state in it.
/// </summary>
public sealed class LiveResumableGenerator : IResumablePhaseGenerator
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopPhase = -1;
    private int _stopAfter;

    /// <summary>How many deltas each phase's live file is streamed in.</summary>
    public int Deltas { get; init; } = 12;

    /// <summary>The checkpoints <see cref="PrepareResumeAsync"/> was given, in order.</summary>
    public List<PhaseCheckpoint> Prepared { get; } = [];

    /// <summary>Completes once the phase given to <see cref="StopIn"/> has reported its deltas and waits.</summary>
    public Task Reached => _reached.Task;

    public static string FirstPath(int phase) => $"phase{phase}/first.txt";

    public static string LivePath(int phase) => $"phase{phase}/live.txt";

    public static string LastPath(int phase) => $"phase{phase}/last.txt";

    /// <summary>Delta <paramref name="k"/> of a phase's live file: 60 to 90 characters, some of them not ASCII.</summary>
    public static string Delta(int phase, int k) =>
        string.Create(CultureInfo.InvariantCulture, $"// phase {phase} line {k} é😀 ") + new string((char)('a' + (k % 26)), 40 + ((k * 7) % 30)) + "\n";

    /// <summary>The text of deltas 0 to <paramref name="count"/> - 1.</summary>
    public static string TextOf(int phase, int count)
    {
        var text = new StringBuilder();
        for (var k = 0; k < count; k++)
        {
            text.Append(Delta(phase, k));
        }

        return text.ToString();
    }

    public static byte[] StateOf(int next) => Encoding.UTF8.GetBytes("next:" + next.ToString(CultureInfo.InvariantCulture));

    /// <summary>Waits in <paramref name="phase"/> after <paramref name="deltas"/> deltas were reported (and checkpointed).</summary>
    public void StopIn(int phase, int deltas)
    {
        _stopPhase = phase;
        _stopAfter = deltas;
    }

    public ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default)
    {
        var checkpoint = context.Checkpoint!;
        lock (Prepared)
        {
            Prepared.Add(checkpoint);
        }

        return ValueTask.FromResult(NextDelta(checkpoint) is null
            ? PhaseResumeDecision.Restart("the fake model cannot read this checkpoint's state")
            : PhaseResumeDecision.Continue);
    }

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var phase = context.Phase.Number;
        var checkpoint = context.Checkpoint;
        var kept = checkpoint?.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal) ?? [];
        if (!kept.Contains(FirstPath(phase)))
        {
            yield return GeneratedFile.FromText(FirstPath(phase), $"first of phase {phase}\n");
        }

        var next = 0;
        var offset = 0;
        if (checkpoint is not null && string.Equals(checkpoint.CurrentFile, LivePath(phase), StringComparison.Ordinal))
        {
            next = NextDelta(checkpoint) ?? throw new InvalidOperationException("PrepareResumeAsync accepted a checkpoint without a state.");
            offset = checkpoint.CurrentText.Length;
            if (!string.Equals(checkpoint.CurrentText, TextOf(phase, next), StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The checkpoint's text is not the text of the deltas its state counts.");
            }
        }

        for (var k = next; k < Deltas; k++)
        {
            var delta = Delta(phase, k);
            await context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = LivePath(phase), Offset = offset, Text = delta, ResumeState = StateOf(k + 1) }, cancellationToken);
            offset += delta.Length;
            if (phase == _stopPhase && k + 1 == _stopAfter)
            {
                _reached.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }

        yield return GeneratedFile.FromText(LivePath(phase), TextOf(phase, Deltas));
        yield return GeneratedFile.FromText(LastPath(phase), $"last of phase {phase}\n");
    }

    private static int? NextDelta(PhaseCheckpoint checkpoint)
    {
        var state = Encoding.UTF8.GetString(checkpoint.ResumeState.Span);
        return state.StartsWith("next:", StringComparison.Ordinal) && int.TryParse(state.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var next)
            ? next
            : null;
    }
}
