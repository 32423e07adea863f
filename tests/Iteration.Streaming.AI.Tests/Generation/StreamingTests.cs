using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.AI.Tests.Generation;

public sealed class StreamingTests
{
    [Fact]
    public async Task GenerateAsync_ClosingTagArrives_YieldsTheFileBeforeTheModelSendsMore()
    {
        await using var harness = new GeneratorHarness();
        var gate = new ChatGate();
        harness.Client.Answer(
            ChatStep.Text("<file path=\"a.txt\">\nA\n</file>\n"),
            ChatStep.Wait(gate),
            ChatStep.Text("<file path=\"b.txt\">\nB\n</file>\n"));
        await using var files = harness.CreateGenerator().GenerateAsync(await harness.ContextAsync()).GetAsyncEnumerator();

        (await files.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        var first = files.Current;
        var second = files.MoveNextAsync();
        await gate.Reached.WithPatience();
        gate.Release();

        first.Path.Should().Be("a.txt");
        (await second.AsTask().WithPatience()).Should().BeTrue();
        files.Current.Path.Should().Be("b.txt");
        (await files.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse();
    }

    [Fact]
    public async Task GenerateAsync_FilesCutIntoSmallChunks_YieldsEachExactlyAsWritten()
    {
        await using var harness = new GeneratorHarness();
        const string app = "export const App = () => <div className=\"app\">{`a ${b}`}</div>;\n";
        const string readme = "# Tasks\n\n```bash\nnpm start\n```\n</fil is not a closing tag\n";
        var answer = $"Here you go:\n<file path=\"src/App.tsx\">\n{app}</file>\n<file path=\"README.md\">\n{readme}</file>\nDone.";
        harness.Client.AnswerText([.. answer.Chunk(3).Select(c => new string(c))]);

        var files = await harness.RunPhaseAsync();

        files.Select(f => (f.Path, f.Text())).Should().Equal(("src/App.tsx", app), ("README.md", readme));
        files.Should().OnlyContain(f => !f.IsDelete && f.PartialOutput == null);
    }

    [Fact]
    public async Task GenerateAsync_NonAsciiContent_IsSavedAsUtf8()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"i18n/de.json\">\n{\"greeting\": \"Grüß Gott 🙂\"}\n</file>");

        var files = await harness.RunPhaseAsync();

        files.Single().Content.ToArray().Should().Equal(System.Text.Encoding.UTF8.GetBytes("{\"greeting\": \"Grüß Gott 🙂\"}\n"));
    }

    [Fact]
    public async Task GenerateAsync_IterationPhaseWithNothingToChange_YieldsNothing()
    {
        // An iteration's prompt says "Write nothing if this part needs no change": no file is an answer there.
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("Nothing to change in this phase.");

        var files = await GeneratorHarness.RunPhaseAsync(await harness.CreateGeneratorAndContextAsync(1, modificationPrompt: "Add due dates"));

        files.Should().BeEmpty();
    }

    [Fact]
    public async Task GenerateAsync_PathWrittenDecomposed_IsYieldedComposed()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"docs/cafe\u0301.md\">", "x", "</file>");

        var files = await harness.RunPhaseAsync();

        files.Single().Path.Should().Be("docs/caf\u00e9.md");
    }

    [Theory]
    [InlineData(".git/config")]
    [InlineData("src/.GIT/hooks/pre-commit")]
    [InlineData("../escape.txt")]
    public async Task GenerateAsync_FileOpenedUnderARefusedPath_FailsBeforeItsContentArrives(string path)
    {
        await using var harness = new GeneratorHarness();
        var contentAsked = false;
        harness.Client.Answer(
            ChatStep.Text($"<file path=\"{path}\">[core]\n"),
            ChatStep.WhenAsked(() =>
            {
                contentAsked = true;
                return new Microsoft.Extensions.AI.ChatResponseUpdate(Microsoft.Extensions.AI.ChatRole.Assistant, "\thooksPath = hooks\n</file>");
            }));

        var act = () => harness.RunPhaseAsync();

        (await act.Should().ThrowAsync<InvalidGeneratedFileException>()).Which.Message.Should().Contain($"'{path}' is refused");
        contentAsked.Should().BeFalse("the phase fails at the open tag");
    }

    [Fact]
    public async Task GenerateAsync_SameFileTwice_YieldsBothInOrder()
    {
        await using var harness = new GeneratorHarness();
        harness.Client.AnswerText("<file path=\"a\">1</file><file path=\"a\">2</file>");

        var files = await harness.RunPhaseAsync();

        files.Select(f => f.Text()).Should().Equal("1", "2");
    }

    [Fact]
    public async Task GenerateAsync_NullContext_Throws()
    {
        await using var harness = new GeneratorHarness();

        var act = async () => await harness.CreateGenerator().GenerateAsync(null!).ToListAsync();

        await act.Should().ThrowAsync<ArgumentNullException>();
    }
}
