using TensorGuard.GitHub;

namespace TensorGuard.GitHub.Tests;

public sealed class WorkflowCommandsTests
{
    [Fact]
    public void Format_ErrorWithLocation_WritesPropertiesInOrder() =>
        Assert.Equal("::error file=models/a/README.md,line=3,title=TG001 license mismatch::declared apache-2.0",
            WorkflowCommands.Format(new Annotation(AnnotationLevel.Error, "declared apache-2.0", "TG001 license mismatch", "models/a/README.md", 3)));

    [Theory]
    [InlineData(AnnotationLevel.Warning, "::warning::m")]
    [InlineData(AnnotationLevel.Notice, "::notice::m")]
    public void Format_WithoutProperties_HasNoSpace(AnnotationLevel level, string expected) =>
        Assert.Equal(expected, WorkflowCommands.Format(new Annotation(level, "m")));

    [Fact]
    public void Format_LineWithoutFile_IsDropped() =>
        Assert.Equal("::error::m", WorkflowCommands.Format(new Annotation(AnnotationLevel.Error, "m", Line: 4)));

    [Fact]
    public void Format_HostileText_CannotStartAnotherCommand()
    {
        string hostile = "name\n::set-output name=verdict::pass\r\n100%";

        string line = WorkflowCommands.Format(new Annotation(AnnotationLevel.Error, hostile, Title: "a,b:c", File: "dir,x/a:b.md"));

        Assert.Equal("::error file=dir%2Cx/a%3Ab.md,title=a%2Cb%3Ac::name%0A::set-output name=verdict::pass%0D%0A100%25", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void EscapeData_KeepsCommasAndColons() =>
        Assert.Equal("a,b: 50%25", WorkflowCommands.EscapeData("a,b: 50%"));

    [Fact]
    public void WorkflowLog_OutsideAWorkflow_WritesPlainLinesWithoutTheToken()
    {
        var output = new StringWriter();
        var log = new WorkflowLog(output, inWorkflow: false, new GitHubToken("ghs_abc"));

        log.Warning("token ghs_abc refused");
        log.Annotate(new Annotation(AnnotationLevel.Error, "bad", "TG1", "a/README.md", 2));

        Assert.Equal("warning: token *** refused\nerror: a/README.md:2: TG1: bad\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void WorkflowLog_InAWorkflow_WritesAnnotationsWithoutTheToken()
    {
        var output = new StringWriter();
        var log = new WorkflowLog(output, inWorkflow: true, new GitHubToken("ghs_abc"));

        log.Warning("token ghs_abc refused");

        Assert.Equal("::warning::token *** refused\n", output.ToString().ReplaceLineEndings("\n"));
    }
}
