namespace TensorGuard.GitHub;

/// <summary>
/// The step's log. Inside a workflow, warnings and errors become annotations; outside one they are plain
/// <c>warning:</c>/<c>error:</c> lines. Every line passes through the token's redaction first.
/// </summary>
public sealed class WorkflowLog
{
    private readonly TextWriter output;
    private readonly bool inWorkflow;
    private readonly GitHubToken? token;

    public WorkflowLog(TextWriter output, bool inWorkflow, GitHubToken? token)
    {
        this.output = output;
        this.inWorkflow = inWorkflow;
        this.token = token;
    }

    public void Info(string message) => output.WriteLine(Redact(message));

    public void Warning(string message) => Annotate(new Annotation(AnnotationLevel.Warning, message));

    public void Annotate(Annotation annotation)
    {
        Annotation redacted = annotation with { Message = Redact(annotation.Message), Title = annotation.Title is null ? null : Redact(annotation.Title) };
        if (inWorkflow)
        {
            output.WriteLine(WorkflowCommands.Format(redacted));
            return;
        }

        string level = redacted.Level.ToString().ToLowerInvariant();
        string where = redacted.File is null ? string.Empty : redacted.Line is int line ? $"{redacted.File}:{line}: " : $"{redacted.File}: ";
        string title = redacted.Title is null ? string.Empty : $"{redacted.Title}: ";
        output.WriteLine($"{level}: {where}{title}{redacted.Message}");
    }

    private string Redact(string text) => token?.Redact(text) ?? text;
}
