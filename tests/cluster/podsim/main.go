// Command podsim stands in for the kubelet of the test control plane, as kwok does: it
// registers one Ready node, binds every unscheduled Pod to it and reports the Pod's
// containers as running (restartPolicy Always) or as finished with exit code 0 (Jobs and
// hook Pods), so that controllers, readiness waits and helm hooks complete. Pods being
// deleted are removed at once, since no kubelet will confirm their termination.
//
// Annotations on a Pod (or its template) steer it, for tests of failures and timeouts:
//
//	podsim.sbkube.io/fail: "true"        the containers fail (exit 1, or never Ready)
//	podsim.sbkube.io/ready-after: "3s"   report the final status only after this long
//	podsim.sbkube.io/ready-after: never  stay Pending
//
// An image from a registry host under the reserved .invalid domain (RFC 2606) cannot be
// pulled: its Pod stays Pending in ImagePullBackOff, as on a real node.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

const (
	annotationFail       = "podsim.sbkube.io/fail"
	annotationReadyAfter = "podsim.sbkube.io/ready-after"
)

type simulator struct {
	client kubernetes.Interface
	pods   corelisters.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]
	node   string
	nextIP atomic.Uint32
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server")
	node := flag.String("node", "podsim", "name of the simulated node")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("podsim: %v", err)
	}
	config.QPS, config.Burst = 200, 400
	client := kubernetes.NewForConfigOrDie(config)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if err := registerNode(ctx, client, *node); err != nil {
		log.Fatalf("podsim: registering node %s: %v", *node, err)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	podInformer := factory.Core().V1().Pods()
	sim := &simulator{
		client: client,
		pods:   podInformer.Lister(),
		queue: workqueue.NewTypedRateLimitingQueue(
			workqueue.DefaultTypedControllerRateLimiter[string]()),
		node: *node,
	}
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			sim.queue.Add(key)
		}
	}
	_, err = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	if err != nil {
		log.Fatalf("podsim: %v", err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	fmt.Fprintln(os.Stderr, "podsim: ready")

	for range 4 {
		go sim.work(ctx)
	}
	go keepNodeReady(ctx, client, *node)
	<-ctx.Done()
	sim.queue.ShutDown()
}

func (s *simulator) work(ctx context.Context) {
	for {
		key, quit := s.queue.Get()
		if quit {
			return
		}
		retryAfter, err := s.sync(ctx, key)
		switch {
		case err != nil:
			log.Printf("podsim: %s: %v", key, err)
			s.queue.AddRateLimited(key)
		case retryAfter > 0:
			s.queue.Forget(key)
			s.queue.AddAfter(key, retryAfter)
		default:
			s.queue.Forget(key)
		}
		s.queue.Done(key)
	}
}

// sync moves one Pod one step towards its simulated end: bound, then running or finished.
func (s *simulator) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := s.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	pods := s.client.CoreV1().Pods(namespace)
	if pod.DeletionTimestamp != nil {
		zero := int64(0)
		err := pods.Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return 0, nil
		}
		return 0, err
	}
	if pod.Spec.NodeName == "" {
		binding := &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: s.node},
		}
		err := pods.Bind(ctx, binding, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return 0, nil
		}
		return 0, err
	}
	if pod.Status.StartTime != nil { // reported already: podsim reports once
		return 0, nil
	}
	if wait, ok := pod.Annotations[annotationReadyAfter]; ok {
		if wait == "never" {
			return 0, nil
		}
		delay, err := time.ParseDuration(wait)
		if err != nil {
			return 0, fmt.Errorf("annotation %s: %v", annotationReadyAfter, err)
		}
		if remaining := time.Until(pod.CreationTimestamp.Add(delay)); remaining > 0 {
			return remaining, nil
		}
	}
	updated := pod.DeepCopy()
	updated.Status = s.finalStatus(pod)
	_, err = pods.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

// finalStatus is what a kubelet would report once the Pod's containers started: running and
// ready for long-running Pods, finished for Pods that do not restart.
func (s *simulator) finalStatus(pod *corev1.Pod) corev1.PodStatus {
	now := metav1.Now()
	fail := pod.Annotations[annotationFail] == "true"
	finishes := pod.Spec.RestartPolicy != corev1.RestartPolicyAlways
	n := s.nextIP.Add(1)
	status := corev1.PodStatus{
		HostIP:    "10.244.0.1",
		PodIP:     fmt.Sprintf("10.244.%d.%d", 1+n/250%250, 1+n%250),
		StartTime: &now,
		QOSClass:  corev1.PodQOSBestEffort,
	}
	status.HostIPs = []corev1.HostIP{{IP: status.HostIP}}
	status.PodIPs = []corev1.PodIP{{IP: status.PodIP}}
	for _, c := range pod.Spec.InitContainers {
		status.InitContainerStatuses = append(status.InitContainerStatuses,
			containerStatus(c, terminated(0, now), false))
	}

	ready := corev1.ConditionTrue
	var state corev1.ContainerState
	switch {
	case unpullable(pod):
		status.Phase, ready = corev1.PodPending, corev1.ConditionFalse
		state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason: "ImagePullBackOff", Message: "podsim: images under .invalid cannot be pulled"}}
	case finishes && fail:
		status.Phase, ready, state = corev1.PodFailed, corev1.ConditionFalse, terminated(1, now)
	case finishes:
		status.Phase, ready, state = corev1.PodSucceeded, corev1.ConditionFalse, terminated(0, now)
	case fail:
		status.Phase, ready = corev1.PodRunning, corev1.ConditionFalse
		state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason: "CrashLoopBackOff", Message: "podsim: failure requested by annotation"}}
	default:
		status.Phase = corev1.PodRunning
		state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses,
			containerStatus(c, state, ready == corev1.ConditionTrue))
	}
	for _, kind := range []corev1.PodConditionType{
		corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady,
	} {
		value := corev1.ConditionTrue
		if kind == corev1.ContainersReady || kind == corev1.PodReady {
			value = ready
		}
		status.Conditions = append(status.Conditions, corev1.PodCondition{
			Type: kind, Status: value, LastTransitionTime: now,
		})
	}
	return status
}

func unpullable(pod *corev1.Pod) bool {
	for _, c := range pod.Spec.Containers {
		host, _, found := strings.Cut(c.Image, "/")
		if found && (strings.HasSuffix(host, ".invalid") || strings.Contains(host, ".invalid:")) {
			return true
		}
	}
	return false
}

func terminated(code int32, at metav1.Time) corev1.ContainerState {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, StartedAt: at, FinishedAt: at,
	}}
}

func containerStatus(c corev1.Container, state corev1.ContainerState, ready bool) corev1.ContainerStatus {
	started := state.Running != nil
	return corev1.ContainerStatus{
		Name: c.Name, Image: c.Image, ImageID: "podsim://" + c.Image,
		ContainerID: "podsim://" + c.Name, State: state, Ready: ready, Started: &started,
	}
}

func registerNode(ctx context.Context, client kubernetes.Interface, name string) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
	}}
	_, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return markNodeReady(ctx, client, name)
}

func markNodeReady(ctx context.Context, client kubernetes.Interface, name string) error {
	node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("1000"),
	}
	node.Status.Capacity, node.Status.Allocatable = capacity, capacity
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.244.0.1"}}
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	_, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

func keepNodeReady(ctx context.Context, client kubernetes.Interface, name string) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := markNodeReady(ctx, client, name); err != nil && ctx.Err() == nil {
				log.Printf("podsim: node heartbeat: %v", err)
			}
		}
	}
}
