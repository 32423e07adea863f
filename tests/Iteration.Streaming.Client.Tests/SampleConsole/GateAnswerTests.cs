using Iteration.Streaming.Contracts;
using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>The console sample's answer at a review gate: what a typed line sends.</summary>
public sealed class GateAnswerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a")]
    [InlineData("Approve")]
    [InlineData(" APPROVE \r")]
    public void Parse_EnterOrApprove_Approves(string line)
    {
        GateAnswer.Parse(line).Should().Be(new GenerationInputRequest { Action = InputActions.Approve });
    }

    [Theory]
    [InlineData("c")]
    [InlineData("Cancel")]
    [InlineData(" CANCEL ")]
    public void Parse_Cancel_Cancels(string line)
    {
        GateAnswer.Parse(line).Should().Be(new GenerationInputRequest { Action = InputActions.Cancel });
    }

    [Theory]
    [InlineData("Use PostgreSQL, not SQLite", "Use PostgreSQL, not SQLite")]
    [InlineData("  add due dates  ", "add due dates")]
    [InlineData("cancel the dark mode", "cancel the dark mode")]
    public void Parse_OtherText_ApprovesWithItAsTheInstruction(string line, string instruction)
    {
        GateAnswer.Parse(line).Should().Be(new GenerationInputRequest { Action = InputActions.Approve, Instruction = instruction });
    }

    [Fact]
    public void Parse_EndOfInput_IsNoAnswer()
    {
        GateAnswer.Parse(null).Should().BeNull();
    }
}
