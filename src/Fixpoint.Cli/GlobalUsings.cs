// The namespaces nearly every verb uses, once for the CLI instead of at the top of each file.
global using System.CommandLine;
global using System.Globalization;
global using System.Text;
global using Fixpoint.Applications;
global using Fixpoint.IO;
global using Fixpoint.Maps;
global using Fixpoint.Training;
global using Fixpoint.Census;
global using Fixpoint.Solvers;
global using Fixpoint.Spectra;
