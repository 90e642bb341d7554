package redis

import "github.com/dbharness/dbharness/collectors/catalog"

func init() {
	c := func(name, metric, help string) infoField {
		return field("cpu", name, metric, catalog.Counter, catalog.Seconds, 1, help)
	}
	registerInfo(
		c("used_cpu_sys", "redis_cpu_sys_seconds_total", "System CPU time of the server, all threads."),
		c("used_cpu_user", "redis_cpu_user_seconds_total", "User CPU time of the server, all threads."),
		c("used_cpu_sys_children", "redis_cpu_sys_children_seconds_total", "System CPU time of forked children (saves, rewrites)."),
		c("used_cpu_user_children", "redis_cpu_user_children_seconds_total", "User CPU time of forked children (saves, rewrites)."),
		c("used_cpu_sys_main_thread", "redis_cpu_sys_main_thread_seconds_total", "System CPU time of the main thread."),
		c("used_cpu_user_main_thread", "redis_cpu_user_main_thread_seconds_total", "User CPU time of the main thread."),
	)
}
