/* commands.h — the subcommands of the rigor binary.
 *
 * Each subcommand lives in cli/cmd_<name>.c and has the signature of main():
 * argv[0] is the subcommand name. Exit status convention for all of them:
 * 0 success, 1 the test or analysis ran but failed its criteria, 2 invalid
 * input or usage, 3 rig fault.
 */
#ifndef RIGOR_COMMANDS_H
#define RIGOR_COMMANDS_H

#define RIGOR_VERSION "0.1.0"

int cmd_analyze(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_db(int argc, char **argv);

#endif
