using System.CommandLine;
using TensorGuard.Cli;

return TensorGuardCommand.Create().Parse(args).Invoke();
