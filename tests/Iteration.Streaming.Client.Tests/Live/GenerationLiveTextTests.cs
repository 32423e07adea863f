using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using static Iteration.Streaming.Client.Tests.Live.LiveEvents;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>The rebuild rule of the live contract: deltas at offsets, gaps, phase ends, resumes, older servers.</summary>
public sealed class GenerationLiveTextTests
{
    private static GenerationLiveText Started(int phase = 1)
    {
        var texts = new GenerationLiveText();
        texts.Apply(Event(GenerationStages.PhaseStarted(phase)));
        return texts;
    }

    private static string TextOf(GenerationLiveText texts, string path) =>
        texts.TryGetText(path, out var text) ? text : throw new InvalidOperationException($"No text of {path}.");

    [Fact]
    public void Apply_ContiguousDeltas_AppendsThem()
    {
        var texts = Started();

        texts.Apply(Delta(1, "a.ts", 0, "let ")).Should().Be(GenerationLiveTextChange.Updated);
        texts.Apply(Delta(1, "a.ts", 4, "x = 1;")).Should().Be(GenerationLiveTextChange.Updated);

        TextOf(texts, "a.ts").Should().Be("let x = 1;");
        texts.LengthOf("a.ts").Should().Be(10);
        texts.CurrentFile.Should().Be("a.ts");
        texts.Phase.Should().Be(1);
    }

    [Fact]
    public void Apply_OffsetBelowTheKnownLength_ReplacesTheTextFromThere()
    {
        // A continued phase repeats what followed its last checkpoint; a file generated again starts at 0.
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abcdef"));

        texts.Apply(Delta(1, "a.ts", 3, "DEF!")).Should().Be(GenerationLiveTextChange.Updated);
        TextOf(texts, "a.ts").Should().Be("abcDEF!");
        texts.Apply(Delta(1, "a.ts", 0, "new")).Should().Be(GenerationLiveTextChange.Updated);
        TextOf(texts, "a.ts").Should().Be("new");
    }

    [Fact]
    public void Apply_OffsetPastTheKnownLength_IsAGapAndChangesNothing()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abc"));

        texts.Apply(Delta(1, "a.ts", 4, "e")).Should().Be(GenerationLiveTextChange.Gap);
        texts.Apply(Delta(1, "b.ts", 1, "x")).Should().Be(GenerationLiveTextChange.Gap);

        TextOf(texts, "a.ts").Should().Be("abc");
        texts.TryGetText("b.ts", out _).Should().BeFalse();
    }

    [Fact]
    public void Apply_TwoFiles_KeepsEachInTheOrderBegun()
    {
        var texts = Started();

        texts.Apply(Delta(1, "b.ts", 0, "b"));
        texts.Apply(Delta(1, "a.ts", 0, "a"));

        texts.Paths.Should().Equal("b.ts", "a.ts");
        texts.CurrentFile.Should().Be("a.ts");
        TextOf(texts, "b.ts").Should().Be("b");
    }

    [Fact]
    public void Apply_SurrogatePairsAcrossDeltas_CountsUtf16CodeUnits()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.md", 0, "😀é"));

        texts.Apply(Delta(1, "a.md", 3, "😀")).Should().Be(GenerationLiveTextChange.Updated);

        TextOf(texts, "a.md").Should().Be("😀é😀");
        texts.LengthOf("a.md").Should().Be(5);
    }

    [Fact]
    public void Apply_PhaseComplete_EndsTheTexts()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abc"));

        texts.Apply(Event(GenerationStages.PhaseComplete(1))).Should().Be(GenerationLiveTextChange.Ended);

        texts.Paths.Should().BeEmpty();
        texts.Phase.Should().BeNull();
        texts.CurrentFile.Should().BeNull();
    }

    [Fact]
    public void Apply_AnotherPhaseStarts_EndsThePreviousTexts()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abc"));

        texts.Apply(Event(GenerationStages.PhaseStarted(2))).Should().Be(GenerationLiveTextChange.Ended);

        texts.Paths.Should().BeEmpty();
        texts.Phase.Should().Be(2);
    }

    [Fact]
    public void Apply_ResumedMidPhaseThenItsPhaseStartsAgain_KeepsTheTextsAndTakesTheRepeatedText()
    {
        var texts = Started(3);
        texts.Apply(Delta(3, "a.ts", 0, "0123456789"));

        texts.Apply(Event(GenerationStages.Resumed, resumed: new ResumedMidPhase { Phase = 3, File = "a.ts", Chars = 6 })).Should().Be(GenerationLiveTextChange.None);
        texts.Apply(Event(GenerationStages.PhaseStarted(3))).Should().Be(GenerationLiveTextChange.None);
        texts.Apply(Delta(3, "a.ts", 6, "6789ab")).Should().Be(GenerationLiveTextChange.Updated);

        TextOf(texts, "a.ts").Should().Be("0123456789ab");
    }

    [Fact]
    public void Apply_ResumedWithoutMidPhase_EndsTheTextsAsThePhaseStartsAgain()
    {
        var texts = Started(3);
        texts.Apply(Delta(3, "a.ts", 0, "old"));

        texts.Apply(Event(GenerationStages.Resumed)).Should().Be(GenerationLiveTextChange.Ended);
        texts.Apply(Event(GenerationStages.PhaseStarted(3)));
        texts.Apply(Delta(3, "b.ts", 0, "new"));

        texts.Paths.Should().Equal("b.ts");
    }

    [Fact]
    public void Apply_OlderServersFileCharsTail_ChangesNothing()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abc"));

        texts.Apply(Tail(1, "a.ts", 900, "...the end")).Should().Be(GenerationLiveTextChange.None);

        TextOf(texts, "a.ts").Should().Be("abc");
    }

    [Theory]
    [InlineData("\"3\"")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("3000000000")]
    [InlineData("null")]
    public void Apply_DeltaWithAnInvalidOffset_IsAGap(string offset)
    {
        var texts = Started();
        var output = Output(("file", "a.ts"), ("text", "x"));
        var withOffset = output.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        withOffset["offset"] = System.Text.Json.JsonDocument.Parse(offset).RootElement.Clone();

        texts.Apply(Event(GenerationStages.PhaseProgress(1), withOffset)).Should().Be(GenerationLiveTextChange.Gap);

        texts.Paths.Should().BeEmpty();
    }

    [Fact]
    public void Apply_DeltaWithoutFileOrText_IsAGap()
    {
        var texts = Started();

        texts.Apply(Event(GenerationStages.PhaseProgress(1), Output(("offset", 0), ("text", "x")))).Should().Be(GenerationLiveTextChange.Gap);
        texts.Apply(Event(GenerationStages.PhaseProgress(1), Output(("file", "a.ts"), ("offset", 0), ("text", 5)))).Should().Be(GenerationLiveTextChange.Gap);
        texts.Apply(Event(GenerationStages.PhaseProgress(1), Output(("file", ""), ("offset", 0), ("text", "x")))).Should().Be(GenerationLiveTextChange.Gap);
    }

    [Fact]
    public void Apply_DeltaOfAPhaseWhoseStartWasMissed_TakesOnlyAFileFromItsStart()
    {
        var texts = new GenerationLiveText();

        texts.Apply(Delta(2, "a.ts", 5, "x")).Should().Be(GenerationLiveTextChange.Gap);
        texts.Apply(Delta(2, "b.ts", 0, "y")).Should().Be(GenerationLiveTextChange.Updated);

        texts.Phase.Should().Be(2);
        TextOf(texts, "b.ts").Should().Be("y");
    }

    [Fact]
    public void Load_ThenTheDeltasAfterItsSequence_ContinueTheLoadedTexts()
    {
        var texts = new GenerationLiveText();

        texts.Load(State(2, 40, "b.ts", File("a.ts", "done", complete: true), File("gone.ts", null, complete: true), File("b.ts", "par")));
        texts.Apply(Delta(2, "b.ts", 3, "tial")).Should().Be(GenerationLiveTextChange.Updated);

        texts.Phase.Should().Be(2);
        texts.Paths.Should().Equal("a.ts", "b.ts");
        TextOf(texts, "a.ts").Should().Be("done");
        TextOf(texts, "b.ts").Should().Be("partial");
    }

    [Fact]
    public void Load_NoPhaseInProgress_ClearsEverything()
    {
        var texts = Started();
        texts.Apply(Delta(1, "a.ts", 0, "abc"));

        texts.Load(State(null, 12, null));

        texts.Phase.Should().BeNull();
        texts.Paths.Should().BeEmpty();
    }

    [Fact]
    public void Load_OffsetThatIsNotTheTextsLength_ThrowsNamingTheFile()
    {
        var texts = new GenerationLiveText();
        var live = State(1, 3, "a.ts", File("a.ts", "abc") with { Offset = 2 });

        var act = () => texts.Load(live);

        act.Should().Throw<ArgumentException>().WithParameterName("live").WithMessage("*files[0].offset is 2*3 characters*");
    }

    [Fact]
    public void Load_PathListedTwice_ThrowsNamingIt()
    {
        var act = () => new GenerationLiveText().Load(State(1, 3, null, File("a.ts", "x"), File("a.ts", "y")));

        act.Should().Throw<ArgumentException>().WithMessage("*files[1].path 'a.ts' is listed twice*");
    }

    [Fact]
    public void Load_NegativeSequence_Throws()
    {
        var act = () => new GenerationLiveText().Load(State(1, -1, null));

        act.Should().Throw<ArgumentException>().WithMessage("*sequence is -1*");
    }

    [Fact]
    public void Load_FilesNull_Throws()
    {
        var act = () => new GenerationLiveText().Load(State(1, 1, null) with { Files = null! });

        act.Should().Throw<ArgumentException>().WithMessage("*files is missing*");
    }

    [Fact]
    public void NullArguments_Throw()
    {
        var texts = new GenerationLiveText();

        FluentActions.Invoking(() => texts.Apply(null!)).Should().Throw<ArgumentNullException>().WithParameterName("progressEvent");
        FluentActions.Invoking(() => texts.Load(null!)).Should().Throw<ArgumentNullException>().WithParameterName("live");
        FluentActions.Invoking(() => texts.TryGetText(null!, out _)).Should().Throw<ArgumentNullException>().WithParameterName("path");
        FluentActions.Invoking(() => texts.LengthOf(null!)).Should().Throw<ArgumentNullException>().WithParameterName("path");
    }
}
