using Snapshooter.Xunit3;
using TensorGuard.GitHub.Comments;

namespace TensorGuard.GitHub.Tests;

public sealed class CommentBodyTests
{
    private const string Report = "## ✅ TensorGuard: pass: 1 model checked, all compliant\n\n| Model | Status |\n|---|---|\n| `models/a` | ✅ compliant |\n";

    [Fact]
    public void Compose_Resolved_MatchesSnapshot() =>
        Snapshot.Match(CommentBody.Compose(CommentState.Resolved, Report, "abc1234", "in the job summary"));

    [Theory]
    [InlineData(CommentState.Passing)]
    [InlineData(CommentState.Failing)]
    [InlineData(CommentState.Resolved)]
    public void StateOf_ComposedBody_ReadsTheStateBack(CommentState state) =>
        Assert.Equal(state, CommentBody.StateOf(CommentBody.Compose(state, Report, null, "x")));

    [Fact]
    public void StateOf_DamagedMarker_CountsAsFailing() =>
        Assert.Equal(CommentState.Failing, CommentBody.StateOf("<!-- tensorguard-report state=??? -->"));
}
