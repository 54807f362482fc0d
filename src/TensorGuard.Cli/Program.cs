using System.CommandLine;
using TensorGuard.Cli;

return ProcessExit.Now(TensorGuardCommand.Create().Parse(args).Invoke());
